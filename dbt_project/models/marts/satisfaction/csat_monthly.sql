-- User satisfaction per month, organisation, service and source (DESIGN
-- §4.4): ticket feedback (TOPdesk feedbackRating, month of resolution) and
-- surveys (klanttevredenheidsonderzoek, month of the response) stay apart by
-- `source`, and so do scales: a 5-point and a 10-point score are never
-- averaged together (scale_max is part of the key).

with

scores as (

    select * from {{ ref('int_satisfaction_scores_unioned') }}

),

aggregated as (

    select
        month,
        org_code,
        service_code,
        source,
        scale_max,
        count(*) as responses,
        avg(score) as avg_score,
        count(*) filter (where is_satisfied) as satisfied

    from scores
    group by month, org_code, service_code, source, scale_max

),

final as (

    select
        month,
        org_code,
        service_code,
        source,
        cast(responses as integer) as responses,
        cast(round(avg_score, 2) as numeric(5, 2)) as avg_score,
        cast(scale_max as integer) as scale_max,
        cast(round(100.0 * satisfied / responses, 2) as numeric(5, 2)) as pct_satisfied

    from aggregated

)

select * from final
