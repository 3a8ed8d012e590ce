output "user_data" {
  description = "The rendered cloud-config (sensitive: it carries the private host key)."
  value       = local.user_data
  sensitive   = true

  precondition {
    condition     = local.user_data_base64_bytes <= local.user_data_limit
    error_message = "The rendered user data is ${local.user_data_base64_bytes} bytes base64-encoded; Nova accepts at most 65535 (64 KiB). Move content out of cloud-init."
  }
}

output "user_data_base64_bytes" {
  description = "Size of the user data as Nova counts it (base64)."
  value       = local.user_data_base64_bytes
}

output "scripts" {
  description = "Path => content of every embedded script (for shellcheck)."
  value       = local.scripts
}

output "node_env" {
  description = "The settings file the prepare script reads (no secret)."
  value       = local.node_env
}
