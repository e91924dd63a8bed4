{#-
    Fails for every combination of the given columns that occurs more than
    once (nulls compare equal, as in GROUP BY). The project uses no packages
    (no internet at build time), so this replaces dbt_utils' test of the same name.
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
{%- set columns_csv = combination_of_columns | join(', ') %}

    select
        {{ columns_csv }},
        count(*) as n_records
    from {{ model }}
    group by {{ columns_csv }}
    having count(*) > 1

{% endtest %}
