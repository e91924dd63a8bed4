{#-
    The first columns of the renamed CTE of a staging model of the SSC's service
    data (stg_files__costs, __allocation_keys, __baselines, __survey_responses):
    what traces each row back to its file and its sender -- load_id,
    source_file, source_row, and org_code (the inbox folder that sent the file)
    as sender_org_code. The row's own org_code is its subject_org_code.
-#}
{% macro file_row_ids() -%}
    load_id,
        source_file,
        source_row,
        org_code as sender_org_code
{%- endmacro %}
