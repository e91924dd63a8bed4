{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        unique_key='load_id',
        indexes=[{'columns': ['load_id'], 'unique': True}],
        tags=['nightly_increment'],
        post_hook="{{ record_lineage_fingerprint() }}",
    )
}}

-- The ledger of accepted loads (docs/incremental.md): one row per load, added by
-- the build that first sees it accepted -- whenever that is: a quarantined load
-- released days after it landed is registered on the night after its release.
-- processed_at is set at the end of the build that carried the load through
-- every nightly_increment model (macro mark_loads_processed); until then the
-- staging tables and int_tickets_rebuilt take its rows as new, night after night.
-- audit.loads has no moment of acceptance, hence this ledger.

with

loads as (

    select * from {{ ref('stg_audit__loads') }}
    where
        is_accepted
        {% if is_incremental() %}
            and load_id not in (select registered.load_id from {{ this }} as registered)
        {% endif %}

),

registered as (

    select
        load_id,
        org_code,
        source_system,
        entity,
        window_start,
        window_end,
        cast('{{ run_started_at }}' as timestamptz) as registered_at,
        cast('{{ invocation_id }}' as text) as registered_by,
        cast(null as timestamptz) as processed_at,
        cast(null as text) as processed_by

    from loads

)

select * from registered
