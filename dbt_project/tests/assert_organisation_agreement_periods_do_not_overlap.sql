-- An organisation has one agreement at a time: two periods of the same
-- organisation may not share a day.
with

organisation_agreements as (

    select * from {{ ref('organisation_agreements') }}

)

select
    earlier.org_code,
    earlier.agreement_id,
    earlier.valid_from,
    later.agreement_id as overlapping_agreement_id,
    later.valid_from as overlapping_valid_from

from organisation_agreements as earlier
inner join organisation_agreements as later
    on
        earlier.org_code = later.org_code
        and earlier.valid_from < later.valid_from
        and (earlier.valid_to is null or earlier.valid_to >= later.valid_from)
