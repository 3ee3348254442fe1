#!/bin/sh
# gen.sh refreshes redoc.standalone.js, the OpenAPI renderer that /docs
# serves, from the version package.json and package-lock.json pin. Run it
# (or `go generate ./internal/apidoc`) after changing the pin; commit the
# result. Building Roster never needs npm: the file is committed and
# embedded into the binary.
set -eu
cd "$(dirname "$0")"
npm ci --ignore-scripts --no-audit --no-fund
cp node_modules/redoc/bundles/redoc.standalone.js redoc.standalone.js
cp node_modules/redoc/bundles/redoc.standalone.js.LICENSE.txt redoc.standalone.js.LICENSE.txt
cp node_modules/redoc/LICENSE LICENSE.redoc
