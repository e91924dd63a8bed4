-- Survey responses (klanttevredenheidsonderzoek and other rounds) from the
-- latest accepted file per (survey_id, organisation): a later file with the
-- same round replaces that round's responses of each organisation it names.
-- Per organisation rather than per round, so that one organisation's own file
-- never wipes the responses the SSC sent for the others.

with

{{ latest_accepted_file(source('service_data', 'survey_responses'), partition_by=['survey_id', 'subject_org_code']) }},

renamed as (

    select
        ----------  ids
        {{ file_row_ids() }},
        survey_id,
        subject_org_code as org_code,
        payload ->> 'respondent_pseudonym' as respondent_pseudonym,

        ----------  categories (the inbox mapped the service through service_catalogue.yml)
        service_code,
        payload ->> 'source_category' as source_category,
        coalesce(cast(payload ->> 'service_mapped' as boolean), true) as is_service_mapped,

        ----------  the response
        responded_on,
        score,
        scale_max,

        landed_at

    from latest_load

)

select * from renamed
