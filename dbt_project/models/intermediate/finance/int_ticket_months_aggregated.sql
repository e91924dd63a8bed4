-- Tickets per organisation and local (Europe/Amsterdam) month in which they
-- were opened, all source systems, cancelled tickets left out. The `tickets`
-- of cost_savings_monthly and the value of the ticket_share allocation key.

with

tickets as (

    select * from {{ ref('int_tickets_unioned') }}
    where status != 'cancelled'

),

aggregated as (

    select
        {{ to_local_month('opened_at') }} as month,
        org_code,
        cast(count(*) as integer) as tickets

    from tickets
    group by 1, 2

)

select * from aggregated
