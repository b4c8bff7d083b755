"""Studies, sites, sessions and responses; the respondent's pages; the study dashboard."""
