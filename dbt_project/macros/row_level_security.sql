{#
  Row-level security on a rebuilt mart (post-hook). The policies and grants are defined
  once, in the warehouse function audit.protect_table
  (src/ssc_pipeline/warehouse/sql/01_row_level_security.sql), which the monthly close
  applies to the published tables too.
#}
{% macro row_level_security() %}
  select audit.protect_table('{{ this }}'::regclass)
{% endmacro %}
