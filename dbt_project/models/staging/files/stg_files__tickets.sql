{{ config(**ticket_increment_config()) }}

-- One row per file-drop ticket: the latest version (by updated_at) landed by
-- an accepted load. Rows of quarantined, failed or still running loads never
-- get past here (a file with resolved_at before opened_at is quarantined by
-- the raw_file_tickets suite and so never counts).
-- A table, incremental as stg_topdesk__incidents: on a normal night only the
-- rows of the loads not processed yet are read, and a version replaces the one
-- kept only when it is later by the same order (updated_at, landed_at, load_id).
-- A later file re-delivers a changed ticket in full; the CTEs up to
-- ticket_versions are macro latest_ticket_versions (all ticket sources).

with

{{ latest_ticket_versions(source('files', 'tickets'), key='ticket_id', version='updated_at') }},

renamed as (

    select
        ----------  ids
        org_code,
        ticket_id,
        load_id,
        source_file,
        source_row,

        ----------  categories (already SSC codes: the inbox maps services through service_catalogue.yml)
        payload ->> 'service_code' as service_code,
        payload ->> 'source_category' as source_category,
        coalesce(cast(payload ->> 'service_mapped' as boolean), true) as is_service_mapped,
        payload ->> 'priority' as priority,
        payload ->> 'status' as status,

        ----------  timestamps (ISO-8601 with offset)
        cast(nullif(payload ->> 'opened_at', '') as timestamptz) as opened_at,
        cast(nullif(payload ->> 'first_response_at', '') as timestamptz) as first_response_at,
        cast(nullif(payload ->> 'resolved_at', '') as timestamptz) as resolved_at,
        cast(nullif(payload ->> 'closed_at', '') as timestamptz) as closed_at,
        updated_at,
        landed_at

    from ticket_versions

)

select * from renamed
