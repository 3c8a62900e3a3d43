variable "force_delete" {
  description = "Delete the repositories with their images on destroy (throw-away environments only)."
  type        = bool
  default     = false
}
