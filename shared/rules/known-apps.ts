/**
 * Application ids Tripline treats as first-party (Microsoft's own clients and services). Reads,
 * consents and mailbox access through these are not "a third-party app" and not an unusual client.
 * Sources: Microsoft's published list of first-party application ids (Entra ID "Verify first-party
 * Microsoft applications in sign-in reports").
 */
export const MICROSOFT_FIRST_PARTY_APP_IDS: readonly string[] = [
  '00000002-0000-0ff1-ce00-000000000000', // Office 365 Exchange Online
  '00000003-0000-0ff1-ce00-000000000000', // Office 365 SharePoint Online
  '00000003-0000-0000-c000-000000000000', // Microsoft Graph
  '00000002-0000-0000-c000-000000000000', // Windows Azure Active Directory
  '00000006-0000-0ff1-ce00-000000000000', // Microsoft Office 365 Portal
  'd3590ed6-52b3-4102-aeff-aad2292ab01c', // Microsoft Office
  '27922004-5251-4030-b22d-91ecd9a37ea4', // Outlook Mobile
  'c9a559d2-7aab-4f13-a6ed-e7e9c52aec87', // Microsoft Forms
  '1fec8e78-bce4-4aaf-ab1b-5451cc387264', // Microsoft Teams
  '5e3ce6c0-2b1f-4285-8d4b-75ee78787346', // Microsoft Teams Web Client
  'ab9b8c07-8f02-4f72-87fa-80105867a763', // OneDrive SyncEngine
  'b26aadf8-566f-4478-926f-589f601d9c74', // OneDrive
  '08e18876-6177-487e-b8b5-cf950c1e598c', // SharePoint Online Web Client Extensibility
  '13937bba-652e-4c46-b222-3003f4d1ff97', // Substrate Context Service
  '82d8ab62-be52-a567-14ea-1616c4ee06c4', // OWA (Outlook on the web, via Substrate)
  '9199bf20-a13f-4107-85dc-02114787ef48', // One Outlook Web
  '5d661950-3475-41cd-a2c3-d671a3162bc1', // Outlook (new Windows client)
  '4765445b-32c6-49b0-83e6-1d93765276ca', // OfficeHome
  '0ec893e0-5785-4de6-99da-4ed124e5296c', // Office UWP PWA
  'fb78d390-0c51-40cd-8e17-fdbfab77341b', // Microsoft Exchange REST API Based Powershell
  'a0c73c16-a7e3-4564-9a95-2bdf47383716', // Microsoft Exchange Online Remote PowerShell
  '1b730954-1685-4b74-9bfd-dac224a7b894', // Azure Active Directory PowerShell
  '04b07795-8ddb-461a-bbee-02f9e1bf7b46', // Microsoft Azure CLI
  '1950a258-227b-4e31-a9cf-717495945fc2', // Microsoft Azure PowerShell
  '14d82eec-204b-4c2f-b7e8-296a70dab67e', // Microsoft Graph Command Line Tools
];

export const FIRST_PARTY = new Set(MICROSOFT_FIRST_PARTY_APP_IDS.map((s) => s.toLowerCase()));

export function isFirstParty(appId: string | undefined): boolean {
  return appId !== undefined && FIRST_PARTY.has(appId.toLowerCase());
}
