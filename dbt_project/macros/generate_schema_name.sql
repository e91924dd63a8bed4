{#-
    Use a node's custom schema verbatim (`staging`, `intermediate`, `marts`)
    instead of dbt's default `<target schema>_<custom schema>`: the schemas are
    an interface (DESIGN §4.4) created by src/ssc_pipeline/sql/schema.sql,
    and BI tools and grants refer to them by name.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
