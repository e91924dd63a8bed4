{#-
    The canonical ticket shape (int_tickets_unioned): the columns every source's
    *_mapped model produces, in this order, optionally qualified by
    `relation_alias`. The SLA models carry them on unchanged, before their own.
-#}
{% macro canonical_ticket_columns(relation_alias=none) -%}
    {%- set columns = [
        'org_code', 'ticket_id', 'ticket_number', 'source_system', 'service_code', 'service_mapped',
        'source_category', 'priority', 'status', 'status_mapped', 'source_status', 'opened_at',
        'first_response_at', 'resolved_at', 'closed_at', 'updated_at', 'operator_group', 'load_id',
    ] -%}
    {%- for column in columns -%}
        {{ relation_alias ~ '.' if relation_alias }}{{ column }}{{ ',\n        ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#-
    The clock rules every ticket source shares (DESIGN §5), as the columns
    first_response_at and resolved_at of a *_mapped model, from the source's
    own moments of response and resolution and the canonical `status`:
    resolving a ticket answers the caller too (a ticket resolved without an
    explicit response was first answered by its resolution); a cancelled
    ticket was not resolved (TOPdesk completes a ticket when it is cancelled,
    but that moment is no resolution and no response).
-#}
{% macro canonical_clock_events(responded_at, resolved_at) -%}
    case
            when status = 'cancelled' then {{ responded_at }}
            else least({{ responded_at }}, {{ resolved_at }})
        end as first_response_at,
        case when status != 'cancelled' then {{ resolved_at }} end as resolved_at
{%- endmacro %}
