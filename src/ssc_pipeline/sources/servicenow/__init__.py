"""ServiceNow Table API connector (incidents and their state history), for organisations on ServiceNow."""
