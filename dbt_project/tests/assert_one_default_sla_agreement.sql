-- Exactly one agreement is the default: tickets of organisations without their
-- own agreement, and tickets without a target, count on its calendar.
select count(*) as default_agreements
from {{ ref('sla_agreements') }}
where is_default
having count(*) != 1
