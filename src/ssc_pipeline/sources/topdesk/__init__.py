"""TOPdesk REST API connector (incidents), used by organisations that run their service desk in TOPdesk."""
