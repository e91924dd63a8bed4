{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        indexes=[{'columns': ['org_code', 'response_id']}],
        tags=['nightly_increment'],
        pre_hook=[
            "{% if is_incremental() %} delete from {{ this }} where source = 'survey' {% else %} select 1 {% endif %}",
            """
            {% if is_incremental() %}
                delete from {{ this }} as kept
                using {{ ref('int_tickets_rebuilt') }} as rebuilt
                where
                    rebuilt.is_touched
                    and kept.org_code = rebuilt.org_code
                    and kept.response_id = rebuilt.ticket_id
            {% else %}
                select 1
            {% endif %}
            """,
        ],
        post_hook="{{ record_lineage_fingerprint() }}",
    )
}}
-- depends_on: {{ ref('int_tickets_rebuilt') }}
-- The pre-hooks delete the kept rows a night replaces in two statements, the
-- ticket rows through a join: as `source = 'survey' or (...) in (select ...)`
-- PostgreSQL cannot turn the IN into a join beside the OR, and a list larger
-- than work_mem (a catch-up night of 400,000 tickets) was scanned once per kept
-- row (the delete ran for more than 12 minutes).

-- Every satisfaction score in one shape, one row per response, kept apart by
-- source:
-- * ticket_feedback: the caller's TOPdesk feedbackRating (5-point scale) of a
--   resolved, not cancelled ticket; month = local month of resolution;
--   service = the ticket's SSC service code;
-- * survey: a response of a survey file (the yearly
--   klanttevredenheidsonderzoek, 5- or 10-point scale); month = month of
--   responded_on.
-- Satisfied = 4-5 on a 5-point scale, 7-10 on a 10-point scale.
-- Incremental (docs/incremental.md): a table, so csat_monthly and the tests
-- read it instead of joining every ticket again; on a normal night the ticket
-- feedback of the tickets a new load changed is replaced (a rating depends on
-- nothing else), and the survey responses, few, are all taken again.

with

tickets as (

    select * from {{ ref('int_tickets_unioned') }}
    where
        source_system = 'topdesk'
        and status != 'cancelled'
        and resolved_at is not null
        and {{ ticket_is_rebuilt(touched_only=true) }}

),

topdesk_feedback as (

    select
        org_code,
        ticket_id,
        feedback_rating
    from {{ ref('stg_topdesk__incidents') }}
    where feedback_rating is not null

),

survey_responses as (

    select * from {{ ref('stg_files__survey_responses') }}

),

ticket_scores as (

    -- `source` is a contract column of csat_monthly (DESIGN §4.4), hence the noqa
    select
        'ticket_feedback' as source,  -- noqa: RF04
        {{ to_local_month('tickets.resolved_at') }} as month,
        tickets.org_code,
        tickets.service_code,
        cast(null as text) as survey_id,
        tickets.ticket_id as response_id,
        {{ to_local_date('tickets.resolved_at') }} as responded_on,
        cast(topdesk_feedback.feedback_rating as numeric) as score,
        5 as scale_max

    from tickets
    inner join topdesk_feedback
        on
            tickets.org_code = topdesk_feedback.org_code
            and tickets.ticket_id = topdesk_feedback.ticket_id

),

survey_scores as (

    select
        'survey' as source,  -- noqa: RF04
        cast(date_trunc('month', responded_on) as date) as month,
        org_code,
        service_code,
        survey_id,
        survey_id || ':' || load_id || ':' || source_row as response_id,
        responded_on,
        cast(score as numeric) as score,
        scale_max

    from survey_responses

),

unioned as (

    select * from ticket_scores
    union all
    select * from survey_scores

),

final as (

    select
        *,
        case scale_max
            when 5 then score >= 4
            when 10 then score >= 7
        end as is_satisfied

    from unioned

)

select * from final
