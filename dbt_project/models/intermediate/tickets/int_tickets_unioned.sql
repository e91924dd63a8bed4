{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['org_code', 'ticket_id'],
        indexes=[{'columns': ['org_code', 'ticket_id']}],
        tags=['nightly_increment'],
        post_hook="{{ record_lineage_fingerprint() }}",
    )
}}
-- depends_on: {{ ref('int_loads_registered') }}
-- depends_on: {{ ref('stg_topdesk__incidents') }}
-- depends_on: {{ ref('stg_servicenow__incidents') }}
-- depends_on: {{ ref('stg_files__tickets') }}
{%- set incremental = is_incremental() %}

-- Tickets of every source system in one canonical shape (DESIGN §4.2 codes).
-- Each source system gets one model that produces exactly these columns
-- (int_topdesk_incidents_mapped, int_servicenow_incidents_mapped,
-- int_file_tickets_mapped): add a CTE for it and a `union all` below,
-- and nothing downstream changes.
-- A table (the *_mapped models are views over the staging tables): on a normal
-- night only the tickets an unprocessed load changed are mapped again
-- (macro tickets_touched, docs/incremental.md).

{%- set ticket_columns = [
    'org_code', 'ticket_id', 'ticket_number', 'source_system', 'service_code', 'service_mapped',
    'source_category', 'priority', 'status', 'status_mapped', 'source_status', 'opened_at',
    'first_response_at', 'resolved_at', 'closed_at', 'updated_at', 'operator_group', 'load_id',
] %}

with

topdesk as (

    select
        {{ ticket_columns | join(',\n        ') }}

    from {{ ref('int_topdesk_incidents_mapped') }}
    {% if incremental %}
        where (org_code, ticket_id) in (
            {{ tickets_touched(['topdesk']) | indent(12) }}
        )
    {% endif %}

),

files as (

    select
        {{ ticket_columns | join(',\n        ') }}

    from {{ ref('int_file_tickets_mapped') }}
    {% if incremental %}
        where (org_code, ticket_id) in (
            {{ tickets_touched(['files']) | indent(12) }}
        )
    {% endif %}

),

servicenow as (

    select
        {{ ticket_columns | join(',\n        ') }}

    from {{ ref('int_servicenow_incidents_mapped') }}
    {% if incremental %}
        where (org_code, ticket_id) in (
            {{ tickets_touched(['servicenow']) | indent(12) }}
        )
    {% endif %}

),

unioned as (

    select * from topdesk
    union all
    select * from servicenow
    union all
    select * from files

)

select * from unioned
