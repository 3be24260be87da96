# Sourced (not run) by every script that may be started by `npm run` and then runs npm, node or a
# build itself: test/run-all.sh, test/e2e/setup.sh, examples/demo.sh. It makes them behave exactly
# as when started by hand.
#
# Why: a script run by `npm run` inherits variables describing that npm process. A nested
# `npm install` takes `npm_config_user_agent` ("npm/11 node/v20 ...") as its own user-agent setting
# instead of describing itself, and code-server's install script reads the Node version from it:
# it refused to install ("requires node v24 ... detected node v20") with Node 24 first on PATH.
#
# Removed: what describes the outer npm process and its package (user agent, npm version, local
# prefix, its node-gyp, npm_execpath, npm_node_execpath, npm_command, npm_lifecycle_*,
# npm_package_*, NODE, INIT_CWD, COLOR) and the node_modules/.bin folders npm put first on PATH.
# Kept: every other npm_config_* variable. That is configuration (registry, proxy, cache,
# userconfig, ...), set by the user or read from their npmrc files, which a nested npm reads anyway.
if [[ -n ${npm_lifecycle_event:-}${npm_config_user_agent:-}${npm_execpath:-} ]]; then
  __fw_pkgdir=$(dirname "${npm_package_json:-${npm_config_local_prefix:-$PWD}/package.json}")
  unset npm_config_user_agent npm_config_npm_version npm_config_local_prefix npm_config_node_gyp \
    npm_execpath npm_node_execpath npm_command npm_lifecycle_event npm_lifecycle_script \
    npm_package_json NODE INIT_CWD COLOR
  for __fw_var in $(compgen -e); do
    if [[ $__fw_var == npm_package_* ]]; then unset "$__fw_var"; fi
  done
  # npm prepends <dir>/node_modules/.bin for the package folder and each folder above it, and its
  # node-gyp shim folder.
  __fw_path=""
  IFS=: read -r -a __fw_parts <<<"$PATH"
  for __fw_p in "${__fw_parts[@]}"; do
    case $__fw_p in
      */@npmcli/run-script/lib/node-gyp-bin) continue ;;
      */node_modules/.bin)
        __fw_d=${__fw_p%/node_modules/.bin}
        if [[ -z $__fw_d || $__fw_pkgdir == "$__fw_d" || $__fw_pkgdir == "$__fw_d"/* ]]; then continue; fi
        ;;
    esac
    __fw_path+=${__fw_path:+:}$__fw_p
  done
  export PATH=$__fw_path
  unset __fw_pkgdir __fw_var __fw_path __fw_parts __fw_p __fw_d
fi
