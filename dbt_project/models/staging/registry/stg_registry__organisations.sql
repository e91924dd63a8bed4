with

source as (

    select * from {{ source('registry', 'registry_organisations') }}

),

renamed as (

    select
        org_code,
        oin,
        name as organisation_name,
        source_system,
        joined_on,
        active as is_active,
        sla_agreement_id,
        allocation_key,
        synced_at

    from source

)

select * from renamed
