{{ config(tags=['finance'], severity='warn') }}

-- Warns about organisations that had joined the SSC in a month of the cost
-- ledger but are not named in that year's allocation keys: they take no part
-- in the month's cost (the others carry it) and have no row in
-- cost_savings_monthly. Deliver an allocation-keys file that names them.

select
    month,
    org_code,
    joined_on

from {{ ref('int_organisation_months_spanned') }}
where is_ledger_month and has_joined and not has_allocation_keys
