{#-
    The config of a nightly_increment model keyed by ticket (docs/incremental.md),
    as a dict for `{{ config(**ticket_increment_config(...)) }}`: an incremental
    table indexed on (org_code, ticket_id), tagged nightly_increment, that
    records its lineage fingerprint after each build (macros/incremental.sql)
    and is analyzed at once: the next models of the same build plan their joins
    on it, and a catch-up night's delta can be most of the table (planned on
    the last build's statistics, int_tickets_timed ran over 10 minutes on
    400,000 rebuilt tickets in bench 6 instead of seconds; docs/incremental.md).
    * incremental_strategy 'delete+insert' (the default): dbt replaces the rows
      of every (org_code, ticket_id) the model selects tonight; 'append': the
      model's own pre_hook deletes the rebuilt tickets' rows first.
    * unique_index: one row per ticket (the index is unique); false for a
      model with several rows per ticket.
    * pre_hook, meta: as in config(), when the model has them.
    Called in the model's config(), so it is among the macros in the model's
    lineage fingerprint: a change here fully refreshes every model using it.
-#}
{% macro ticket_increment_config(incremental_strategy='delete+insert', unique_index=true, pre_hook=none, meta=none) %}
    {%- set index = {'columns': ['org_code', 'ticket_id']} -%}
    {%- if unique_index -%}
        {%- do index.update({'unique': true}) -%}
    {%- endif -%}
    {%- set settings = {
        'materialized': 'incremental',
        'incremental_strategy': incremental_strategy,
        'indexes': [index],
        'tags': ['nightly_increment'],
        'post_hook': ['{{ record_lineage_fingerprint() }}', 'analyze {{ this }}'],
    } -%}
    {%- if incremental_strategy == 'delete+insert' -%}
        {%- do settings.update({'unique_key': ['org_code', 'ticket_id']}) -%}
    {%- endif -%}
    {%- if pre_hook is not none -%}
        {%- do settings.update({'pre_hook': pre_hook}) -%}
    {%- endif -%}
    {%- if meta is not none -%}
        {%- do settings.update({'meta': meta}) -%}
    {%- endif -%}
    {{ return(settings) }}
{% endmacro %}
