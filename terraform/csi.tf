# An application credential for the Cinder CSI driver only: access rules allow the block-storage API and the compute
# calls that attach volumes, nothing else. Its secret lives in the state and in the sensitive output csi_cloud_conf.
resource "openstack_identity_application_credential_v3" "cinder_csi" {
  name         = "${var.platform_name}-cinder-csi"
  description  = "Cinder CSI of ${var.platform_name}: volumes and attachments only"
  unrestricted = false

  dynamic "access_rules" {
    for_each = local.csi_access_rules
    content {
      service = access_rules.value.service
      method  = access_rules.value.method
      path    = access_rules.value.path
    }
  }
}

locals {
  csi_access_rules = concat(
    [for m in ["GET", "POST", "PUT", "DELETE"] : { service = var.csi_block_storage_service_type, method = m, path = "/v3/**" }],
    [for m in ["GET", "POST", "DELETE"] : { service = "compute", method = m, path = "/v2.1/servers/*/os-volume_attachments/**" }],
    [for m in ["GET", "POST"] : { service = "compute", method = m, path = "/v2.1/servers/*/os-volume_attachments" }],
    [{ service = "compute", method = "GET", path = "/v2.1/servers/*" }],
  )

  csi_cloud_conf = join("\n", concat(
    [
      "[Global]",
      "auth-url = \"${var.auth_url}\"",
      "application-credential-id = \"${openstack_identity_application_credential_v3.cinder_csi.id}\"",
      "application-credential-secret = \"${openstack_identity_application_credential_v3.cinder_csi.secret}\"",
    ],
    var.region == "" ? [] : ["region = \"${var.region}\""],
    ["", "[BlockStorage]", "ignore-volume-az = true", ""],
  ))
}
