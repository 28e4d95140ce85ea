-- Exercise 1: tensors. tamga's engine works on float32 tensors; from Lua they behave like small matrices.
--   tamga run examples/workshop/01-tensors.lua
local tamga = require "tamga"

-- Build tensors from nested tables, or by shape.
local a = tamga.tensor { { 1, 2, 3 }, { 4, 5, 6 } }
print(a)                                  -- shape and values
print("shape", table.concat(a:shape(), " x "), "elements", a:numel())

-- Indexing is 1-based like everything in Lua. a[i] is a row (a view that shares memory), a[i][j] a number.
print("a[2][3] =", a[2][3])
local row = a[1]
row[1] = 100                              -- writes through to a
print("after row[1] = 100, a:get(1, 1) =", a:get(1, 1))

-- Operators call the engine: element-wise +, -, *, scaling by numbers, matrix products.
local b = tamga.tensor.ones(2, 3)
print("a + b =", (a + b):totable()[2][3])
print("a * 2 =", (a * 2):get(2, 1))
print("a x a^T =", a:matmul(a, true))     -- (2,3) x (3,2) -> (2,2)
print("softmax of each row:", a:softmax())

-- Cosine similarity: the measure the alignment probe uses for sentence vectors.
local x, y = tamga.tensor { 1, 0, 1 }, tamga.tensor { 1, 1, 1 }
print(("cosine(x, y) = %.3f"):format(x:cosine(y)))
local r = tamga.tensor.randn(5, 8, { seed = 1 })
print("pairwise cosines of 5 random vectors:", tamga.tensor.cosine_matrix(r, r))

-- Try:
--   1. Make a 3 x 3 tensor and check that t:t():t() equals t (compare with :sum() of the difference).
--   2. Random vectors in 8 dimensions have cosines near 0. What happens in 2 dimensions? In 256?
--   3. What does (a - a:mean()) do? Is there a mean along rows (a:mean(2))?
