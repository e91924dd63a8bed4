with

source as (

    select * from {{ source('audit', 'loads') }}

),

renamed as (

    select
        load_id,
        org_code,
        source_system,
        entity,
        window_start,
        window_end,
        status as load_status,
        rows_landed,
        started_at,
        finished_at,
        message as load_message,
        run_id,
        status = 'accepted' as is_accepted

    from source

)

select * from renamed
