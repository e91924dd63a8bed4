{{ config(severity="warn") }}

-- The nightly increments assume an accepted load stays accepted (docs/incremental.md).
-- A load withdrawn by hand makes the next build rebuild the ledger and every
-- incremental model by itself; this warning says when one is withdrawn during a build
-- (the build may have used it; the next one rebuilds without it).
select registered.load_id
from {{ ref('int_loads_registered') }} as registered
inner join {{ ref('stg_audit__loads') }} as loads
    on registered.load_id = loads.load_id
where not loads.is_accepted
