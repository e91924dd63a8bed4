-- On-hold periods of file-drop tickets from accepted loads. A holds file lists
-- every hold of each ticket in it, so for each ticket only the rows of its
-- latest accepted load count: a later file replaces the earlier holds of that
-- ticket (a corrected or a closed hold), and never adds to them.

with

source as (

    select * from {{ source('files', 'ticket_holds') }}
    where load_id in (
        select loads.load_id from {{ source('audit', 'loads') }} as loads
        where loads.status = 'accepted'
    )

),

ranked as (

    select
        *,
        first_value(load_id) over (
            partition by org_code, ticket_id
            order by landed_at desc, load_id desc
        ) as latest_load_id

    from source

),

renamed as (

    select
        org_code,
        ticket_id,
        hold_start,
        hold_end,
        load_id,
        source_file,
        source_row

    from ranked
    where load_id = latest_load_id

)

select * from renamed
