{#-
    An SSC code looked up in a mapping seed (topdesk_category_map,
    topdesk_status_map, servicenow_category_map): an organisation's own row
    (its org_code) wins over the SSC-wide row (org_code null), so a new name or
    an organisation's own naming is a seed row, not a code change.
    code_mapping_joins: the two left joins of `mapping` (a CTE) on
    `row`.`source_column` = `mapping_column`, as `<alias>_own` and `<alias>_any`;
    mapped_code: the code they give for `column` (null: the name is not mapped).
-#}
{% macro code_mapping_joins(mapping, alias, row, source_column, mapping_column) -%}
    left join {{ mapping }} as {{ alias }}_own
        on
            {{ row }}.org_code = {{ alias }}_own.org_code
            and {{ row }}.{{ source_column }} = {{ alias }}_own.{{ mapping_column }}
    left join {{ mapping }} as {{ alias }}_any
        on
            {{ alias }}_any.org_code is null
            and {{ row }}.{{ source_column }} = {{ alias }}_any.{{ mapping_column }}
{%- endmacro %}

{% macro mapped_code(alias, column) -%}
    coalesce({{ alias }}_own.{{ column }}, {{ alias }}_any.{{ column }})
{%- endmacro %}
