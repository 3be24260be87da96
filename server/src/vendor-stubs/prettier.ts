// Stands in for prettier inside the bundle: yaml-language-server imports it only for formatting,
// which Flux Workbench does not offer. Any call is a bug and says so.
export function format(): never {
  throw new Error('formatting is not provided by the Flux Workbench language server');
}
export default { format };
