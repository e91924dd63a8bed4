-- Each organisation's baseline (its yearly cost for these services before it
-- joined the SSC): the rows of the latest accepted baselines file that names
-- the organisation, whether the SSC sent it (SSC/ folder) or the
-- organisation itself. A later file replaces the organisation's baseline; a
-- file with two baseline years for one organisation gives two rows, which the
-- one-baseline-per-organisation test refuses.

with

{{ latest_accepted_file(source('service_data', 'baselines'), partition_by=['subject_org_code']) }},

renamed as (

    select
        ----------  ids
        {{ file_row_ids() }},
        subject_org_code as org_code,

        ----------  the baseline
        baseline_year,
        yearly_cost_eur,
        indexation_pct,

        landed_at

    from latest_load

)

select * from renamed
