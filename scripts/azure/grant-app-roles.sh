#!/usr/bin/env bash
# Grants the Function App's managed identity the application permissions the pollers use, in the
# tenant you are signed in to with `az login` (run it as a Privileged Role Administrator or a Global
# Administrator; assigning app roles to a service principal is an admin consent):
#
#   Microsoft Graph                     AuditLog.Read.All, Directory.Read.All  (the graph poller)
#   Office 365 Management APIs          ActivityFeed.Read                      (the m365 poller)
#
# Usage: scripts/azure/grant-app-roles.sh <managed identity principal id> [graph|m365 ...]
#   The principal id is the `principalId` output of `az deployment group create`. With no source
#   named, both are granted. Assignments that already exist are left as they are, so the script can
#   run again.
set -euo pipefail

if [ "$#" -lt 1 ] || [ -z "${1:-}" ]; then
  echo "usage: $0 <managed identity principal id> [graph|m365 ...]" >&2
  echo "  the principal id is the principalId output of the deployment" >&2
  exit 2
fi
PRINCIPAL_ID="$1"
shift
SOURCES=("$@")
[ "${#SOURCES[@]}" -eq 0 ] && SOURCES=(graph m365)

GRAPH_APP_ID=00000003-0000-0000-c000-000000000000
MANAGEMENT_APP_ID=c5393580-f805-4401-95e8-94b7a6ef2fc2

# grant <resource app id> <app role value>
grant() {
  local resource_sp role_id existing
  resource_sp=$(az ad sp show --id "$1" --query id --output tsv)
  role_id=$(az ad sp show --id "$1" --query "appRoles[?value=='$2'].id | [0]" --output tsv)
  if [ -z "$role_id" ]; then
    echo "error: $1 has no app role named $2" >&2
    exit 1
  fi
  existing=$(az rest --method GET \
    --uri "https://graph.microsoft.com/v1.0/servicePrincipals/$PRINCIPAL_ID/appRoleAssignments" \
    --query "value[?appRoleId=='$role_id' && resourceId=='$resource_sp'].id | [0]" --output tsv)
  if [ -n "$existing" ]; then
    echo "$2: already granted"
    return
  fi
  az rest --method POST \
    --uri "https://graph.microsoft.com/v1.0/servicePrincipals/$PRINCIPAL_ID/appRoleAssignments" \
    --headers "Content-Type=application/json" \
    --body "{\"principalId\":\"$PRINCIPAL_ID\",\"resourceId\":\"$resource_sp\",\"appRoleId\":\"$role_id\"}" \
    --output none
  echo "$2: granted"
}

for source in "${SOURCES[@]}"; do
  case "$source" in
    graph)
      grant "$GRAPH_APP_ID" AuditLog.Read.All
      grant "$GRAPH_APP_ID" Directory.Read.All
      ;;
    m365)
      grant "$MANAGEMENT_APP_ID" ActivityFeed.Read
      ;;
    *)
      echo "error: unknown source $source (expected graph or m365)" >&2
      exit 2
      ;;
  esac
done
