-- tamga.store: the experiment store of a workspace (tamga.db): store:runs{task=, method=, status=} and store:run(id)
-- give tamga.Run objects (run:report(), run:curves()); store:evals, store:steps and store:report read the rest.
local core = require "tamga.core"
local util = require "tamga.util"
require "tamga.run"          -- makes store:runs() return tamga.Run objects

local M = {}

-- open([dir [, {write=false, create=false}]]) -> Store | nil, message; dir defaults to the workspace
-- ($TAMGA_WORKSPACE, else ./tamga-workspace)
function M.open(dir, opts)
  if dir ~= nil then util.check(dir, "string", 1, "open") end
  util.opts(opts, 2, "open", { write = "boolean", create = "boolean" }, true)
  return core.store.open(dir or core.workspace_default(), opts)
end

-- The default workspace folder.
function M.default()
  return core.workspace_default()
end

-- Parse JSON text into Lua values (run configurations are JSON).
function M.json(text)
  util.check(text, "string", 1, "json")
  return core.store.json(text)
end

return M
