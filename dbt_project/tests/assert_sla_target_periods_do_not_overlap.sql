-- Two rows for the same agreement, service and priority may not be in force on
-- the same day: which one applies would be a coin toss.
with

targets as (

    select * from {{ ref('sla_targets') }}

)

select
    earlier.agreement_id,
    earlier.service_code,
    earlier.priority,
    earlier.valid_from,
    later.valid_from as overlapping_valid_from

from targets as earlier
inner join targets as later
    on
        earlier.agreement_id = later.agreement_id
        and earlier.service_code is not distinct from later.service_code
        and earlier.priority = later.priority
        and earlier.valid_from < later.valid_from
        and (earlier.valid_to is null or earlier.valid_to >= later.valid_from)
