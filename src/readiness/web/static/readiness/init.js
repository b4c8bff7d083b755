// Start the NHS.UK frontend components (the pages work without this script).
import { initAll, Radios } from '../nhsuk/nhsuk-frontend.min.js'

// NHS.UK frontend marks a radio that reveals a nested question with aria-expanded, which ARIA
// does not allow on a radio (axe: aria-allowed-attr).  The reveal and aria-controls stay.
const sync = Radios.prototype.syncConditionalRevealWithInputState
Radios.prototype.syncConditionalRevealWithInputState = function ($input) {
  sync.call(this, $input)
  $input.removeAttribute('aria-expanded')
}
initAll()
