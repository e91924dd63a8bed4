-- The fallback per priority needs the default agreement to set a target for
-- every priority (any service) from the calendar's first day on, open-ended:
-- otherwise a ticket could find no target at all. Returns the missing priorities.
with

default_targets as (

    select targets.*
    from {{ ref('sla_targets') }} as targets
    inner join {{ ref('sla_agreements') }} as agreements
        on targets.agreement_id = agreements.agreement_id
    where agreements.is_default and targets.service_code is null

),

priorities as (

    select priority from (values ('P1'), ('P2'), ('P3'), ('P4')) as codes (priority)

)

select priorities.priority
from priorities
where not exists (
    select default_targets.priority from default_targets
    where
        default_targets.priority = priorities.priority
        and default_targets.valid_from <= cast('{{ var("calendar_start_date") }}' as date)
)
or not exists (
    select default_targets.priority from default_targets
    where default_targets.priority = priorities.priority and default_targets.valid_to is null
)
