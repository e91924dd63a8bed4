{#-
    A condition on a row's `load_id` column: on an incremental night (docs/incremental.md)
    true for the rows of the loads the chain has not processed yet (the ledger
    int_loads_registered); on a full build true for every row (every load is new).
-#}
{% macro load_is_unprocessed() -%}
    {#- the ledger is a parent even where a full build does not read it: ref'd at parse time too -#}
    {%- set ledger = ref('int_loads_registered') -%}
    {%- if is_incremental() -%}
        load_id in ({{ unprocessed_loads() }})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
