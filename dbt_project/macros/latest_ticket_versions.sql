{#-
    The CTEs of a staging table of tickets (stg_topdesk__incidents,
    stg_servicenow__incidents, stg_files__tickets), from `source` to
    `ticket_versions`: one row per ticket of the raw table `relation` (its id
    column `key`), the latest version landed by an accepted load, by
    (`version`, landed_at, load_id) -- `version` being the raw column the model
    keeps under the same name. On an incremental night (docs/incremental.md)
    only the rows of the unprocessed loads are read, and a ticket's latest
    version among them goes on only when it is later, by that same order, than
    the version the table holds (its delete+insert then replaces it). So the
    table always holds what a full refresh over every accepted load would.
-#}
{% macro latest_ticket_versions(relation, key, version) %}
source as (

    {{ accepted_load_rows(relation, unprocessed_only=true) }}

),

latest_version as (

    select distinct on (org_code, {{ key }}) *
    from source
    order by org_code asc, {{ key }} asc, {{ version }} desc, landed_at desc, load_id desc

),

ticket_versions as (

    {%- if is_incremental() %}

    -- tonight's latest version, where it is later than the version kept
    select latest_version.*
    from latest_version
    left join {{ this }} as kept
        on
            latest_version.org_code = kept.org_code
            and latest_version.{{ key }} = kept.ticket_id
    where
        kept.ticket_id is null
        or (latest_version.{{ version }}, latest_version.landed_at, latest_version.load_id)
        > (kept.{{ version }}, kept.landed_at, kept.load_id)
    {%- else %}

    select * from latest_version
    {%- endif %}

)
{%- endmacro %}
