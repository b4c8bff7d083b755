#!/usr/bin/env bash
# Regenerate every JSON fixture under tests/reference/fixtures from R's reference
# implementations. Needs Debian's r-base-core, r-cran-psych, r-cran-psychtools, r-cran-survey,
# r-cran-lavaan and r-cran-jsonlite.  Each script writes its own fixture and builds its own data.
set -euo pipefail
cd "$(dirname "$0")"
for script in *.R; do
    echo "Rscript $script"
    Rscript --vanilla "$script"
done
