-- tamga.tensor: engine tensors. tamga.tensor{{1, 2}, {3, 4}} builds one from nested tables; zeros, ones, full,
-- rand and randn take sizes. Methods and operators live on the tensors themselves (tamga.Tensor, in C).
local core = require "tamga.core"
local T = core.tensor

local M = {
  new = T.new, zeros = T.zeros, ones = T.ones, full = T.full, rand = T.rand, randn = T.randn, is = T.is,
}

-- Pairwise cosine similarities of the rows of a (n, d) and b (m, d): an (n, m) tensor.
function M.cosine_matrix(a, b)
  local util = require "tamga.util"
  util.check(a, "tamga.Tensor", 1, "cosine_matrix")
  util.check(b, "tamga.Tensor", 2, "cosine_matrix")
  if a:dim() ~= 2 or b:dim() ~= 2 then util.argerror(1, "cosine_matrix", "2-D tensors expected") end
  if a:size(2) ~= b:size(2) then
    util.argerror(2, "cosine_matrix", ("row lengths differ (%d vs %d)"):format(a:size(2), b:size(2)))
  end
  return a:normalize():matmul(b:normalize(), true)
end

return setmetatable(M, { __call = function(_, t) return T.new(t) end })
