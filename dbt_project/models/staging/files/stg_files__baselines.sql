-- Each organisation's baseline (its yearly cost for these services before it
-- joined the SSC): the rows of the latest accepted baselines file that names
-- the organisation, whether the SSC sent it (SSC/ folder) or the
-- organisation itself. A later file replaces the organisation's baseline; a
-- file with two baseline years for one organisation gives two rows, which the
-- one-baseline-per-organisation test refuses.

with

source as (

    select * from {{ source('service_data', 'baselines') }}
    where load_id in (
        select loads.load_id from {{ source('audit', 'loads') }} as loads
        where loads.status = 'accepted'
    )

),

ranked as (

    select
        *,
        first_value(load_id) over (
            partition by subject_org_code
            order by landed_at desc, load_id desc
        ) as latest_load_id

    from source

),

renamed as (

    select
        ----------  ids
        load_id,
        source_file,
        source_row,
        org_code as sender_org_code,
        subject_org_code as org_code,

        ----------  the baseline
        baseline_year,
        yearly_cost_eur,
        indexation_pct,

        landed_at

    from ranked
    where load_id = latest_load_id

)

select * from renamed
