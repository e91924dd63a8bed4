{#-
    The rules of the agreement history (docs/sla.md §5), shared by
    int_tickets_targeted (per ticket, on the local date of opened_at) and
    sla_monthly (per month, on its first day) so that both apply one rule.

    in_force_on: the row `period` of a history with validity periods
    (organisation_agreements, sla_targets: valid_from .. valid_to, both
    inclusive, valid_to null = open-ended) is in force on the date `day`.
-#}
{% macro in_force_on(day, period) -%}
    {{ day }} >= {{ period }}.valid_from
            and ({{ period }}.valid_to is null or {{ day }} <= {{ period }}.valid_to)
{%- endmacro %}

{#-
    target_applies: join condition of `targets` (sla_targets) with `row`, which
    has agreement_id and default_agreement_id (agreement_in_force), priority and
    service_code: a target row of the row's agreement or of the default one
    (the fallback per priority), for the row's priority, of its service or of
    any service (service_code null), in force on `day`.
-#}
{% macro target_applies(row, day) -%}
    targets.agreement_id in ({{ row }}.agreement_id, {{ row }}.default_agreement_id)
            and {{ row }}.priority = targets.priority
            and (targets.service_code is null or {{ row }}.service_code = targets.service_code)
            and {{ in_force_on(day, 'targets') }}
{%- endmacro %}

{#-
    target_precedence: the rank of each applying target row within
    `partition_by` (the columns of `row` that identify it), 1 = the one that
    applies: the row's own agreement (`row`.agreement_id) over the default's
    fallback, a service's own row over an any-service row, then the latest
    valid_from.
-#}
{% macro target_precedence(row, partition_by) -%}
    row_number() over (
            partition by {% for column in partition_by %}{{ row }}.{{ column }}{{ ', ' if not loop.last }}{% endfor %}
            order by
                (targets.agreement_id = {{ row }}.agreement_id) desc,
                (targets.service_code is not null) desc,
                targets.valid_from desc
        )
{%- endmacro %}

{#-
    agreement_in_force: the query of a CTE that gives every row of `relation`
    (with org_code) the agreement of its organisation in force on the date in
    its column `day` (organisation_agreements), or the default agreement when
    none is (agreement_id), plus default_agreement_id for the fallback per
    priority. The model has CTEs organisation_agreements and default_agreement.
-#}
{% macro agreement_in_force(relation, day) -%}
    select
        {{ relation }}.*,
        coalesce(organisation_agreements.agreement_id, default_agreement.agreement_id) as agreement_id,
        default_agreement.agreement_id as default_agreement_id

    from {{ relation }}
    left join default_agreement on true
    left join organisation_agreements
        on
            {{ relation }}.org_code = organisation_agreements.org_code
            and {{ in_force_on(relation ~ '.' ~ day, 'organisation_agreements') }}
{%- endmacro %}
