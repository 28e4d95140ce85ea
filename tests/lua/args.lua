-- Argument errors of every public function of the Lua API, in Lua's style ("bad argument #n to 'f' (...)"),
-- and expected failures returning nil, message. Prints TAP.
package.path = arg[0]:match("^(.*/)") .. "?.lua;" .. package.path
local T = require "tap"
local tamga = require "tamga"

local function raises(want, name, fn, ...) return T.raises(want, name, fn, ...) end
local function fails(want, name, fn, ...) return T.fails(want, name, fn, ...) end

local model = assert(tamga.model.load(tamga.model.default()))
local tok = model.tokenizer
local lora = tamga.peft.lora { layers = "0-1", rank = 4 }
local task = tamga.task.udpos { source = "tr", targets = { "kk" }, max_train = 16, max_eval = 8 }
local t = tamga.tensor { { 1, 2 }, { 3, 4 } }
local ws = os.getenv("TAMGA_WORKSPACE") or "tamga-workspace"

-- tamga ---------------------------------------------------------------------------------------------------------
raises("bad argument #1 to 'threads' (integer expected, got string)", "threads: type", function() return tamga.threads("x") end)
raises("bad argument #1 to 'threads' (thread count must be from 1 to 1024)", "threads: range", function() return tamga.core.threads(0) end)
T.ok(type(tamga.blas()) == "string", "blas takes no arguments")
T.ok(type(tamga.clock()) == "number", "clock takes no arguments")
T.is(tamga.interrupted(), false, "interrupted takes no arguments")

-- tamga.tensor ----------------------------------------------------------------------------------------------------
raises("bad argument #1 to 'new' (table expected, got number)", "tensor.new: type", function() return tamga.tensor.new(3) end)
raises("ragged table", "tensor(): ragged", function() return tamga.tensor({ { 1, 2 }, { 3 } }) end)
raises("numbers expected, found a string", "tensor(): strings", function() return tamga.tensor({ "a" }) end)
raises("empty table", "tensor(): empty", function() return tamga.tensor({}) end)
raises("bad argument #1 to 'zeros' (sizes must be positive)", "zeros: size 0", function() return tamga.tensor.zeros(0, 2) end)
raises("bad argument #1 to 'zeros' (sizes expected, got no value)", "zeros: no sizes", function() return tamga.tensor.zeros() end)
raises("bad argument #1 to 'ones' (sizes must be integers)", "ones: float size", function() return tamga.tensor.ones({ 1.5 }) end)
raises("bad argument #1 to 'full' (number expected, got string)", "full: value", function() return tamga.tensor.full("x", 2) end)
raises("unknown option 'sed'", "rand: unknown option", function() return tamga.tensor.rand(2, 2, { sed = 1 }) end)
raises("sd must not be negative", "randn: sd", function() return tamga.tensor.randn(2, { sd = -1 }) end)
T.is(tamga.tensor.is(3), false, "is: any value")
raises("bad argument #1 to 'cosine_matrix' (tamga.Tensor expected, got number)", "cosine_matrix: type", function() return tamga.tensor.cosine_matrix(1, t) end)
raises("row lengths differ", "cosine_matrix: shapes", function() return tamga.tensor.cosine_matrix(t, tamga.tensor.zeros(2, 3)) end)
raises("bad argument #1 to 'get' (index 3 out of range (dimension 1 has size 2))", "get: range", function() return t:get(3, 1) end)
raises("bad index: 1 indices for a 2-D tensor", "get: too few indices", function() return t:get(1) end)
raises("bad argument #3 to 'set' (number expected, got string)", "set: value", function() return t:set(1, 1, "x") end)
raises("index 5 out of range", "t[i]: range", function() return t[5] end)
raises("needs a 1-D tensor", "t[i] = v: 2-D", function() t[1] = 3 end)
raises("bad argument #1 to 'size' (dimension out of range)", "size: range", function() return t:size(3) end)
raises("bad argument #1 to 'shape' (tamga.Tensor expected, got ", "shape: self", function() return t.shape(3) end)
raises("bad argument #1 to 'dim' (tamga.Tensor expected, got ", "dim: self", function() return t.dim({}) end)
raises("bad argument #1 to 'numel' (tamga.Tensor expected, got ", "numel: self", function() return t.numel("x") end)
raises("bad argument #1 to 'totable' (tamga.Tensor expected, got ", "totable: self", function() return t.totable(nil) end)
raises("bad argument #1 to 'add' (tamga.Tensor expected, got string)", "add: type", function() return t:add("x") end)
raises("add: shapes differ", "add: shapes", function() return t + tamga.tensor.zeros(3) end)
raises("sub: shapes differ", "sub: shapes", function() return t:sub(tamga.tensor.zeros(4)) end)
raises("mul: shapes differ", "mul: shapes", function() return t:mul(tamga.tensor.zeros(1, 4)) end)
raises("bad argument #1 to 'scale' (number expected, got table)", "scale: type", function() return t:scale({}) end)
raises("division by zero", "t / 0", function() return t / 0 end)
raises("inner dimensions differ", "matmul: shapes", function() return t:matmul(tamga.tensor.zeros(3, 2)) end)
raises("matmul needs a 2-D tensor", "matmul: 1-D", function() return t:matmul(tamga.tensor.zeros(2)) end)
raises("bad argument #1 to 'gelu' (tamga.Tensor expected, got ", "gelu: self", function() return t.gelu(1) end)
raises("bad argument #1 to 'relu' (tamga.Tensor expected, got ", "relu: self", function() return t.relu(1) end)
raises("bad argument #1 to 'tanh' (tamga.Tensor expected, got ", "tanh: self", function() return t.tanh(1) end)
raises("bad argument #1 to 'softmax' (tamga.Tensor expected, got ", "softmax: self", function() return t.softmax(1) end)
raises("bad argument #1 to 'clone' (tamga.Tensor expected, got ", "clone: self", function() return t.clone(1) end)
raises("bad argument #1 to 'contiguous' (tamga.Tensor expected, got ", "contiguous: self", function() return t.contiguous(1) end)
raises("has 4 elements", "reshape: count", function() return t:reshape(3) end)
raises("t() needs a 2-D tensor", "t: 1-D", function() return t.t(tamga.tensor.zeros(3)) end)
raises("bad argument #2 to 'narrow' (length out of range)", "narrow: length", function() return t:narrow(1, 5) end)
raises("bad argument #1 to 'fill' (number expected, got no value)", "fill: value", function() return t:fill() end)
raises("dimension must be 1 or 2", "sum: dimension", function() return t:sum(3) end)
raises("needs a 2-D tensor", "mean: dimension of 1-D", function() return t.mean(tamga.tensor.zeros(3), 1) end)
raises("bad argument #1 to 'max' (tamga.Tensor expected, got ", "max: self", function() return t.max(1) end)
raises("bad argument #1 to 'min' (tamga.Tensor expected, got ", "min: self", function() return t.min(1) end)
raises("bad argument #1 to 'norm' (tamga.Tensor expected, got ", "norm: self", function() return t.norm(1) end)
raises("bad argument #1 to 'normalize' (tamga.Tensor expected, got ", "normalize: self", function() return t.normalize(1) end)
raises("same number of elements", "dot: sizes", function() return t:dot(tamga.tensor.zeros(3)) end)
raises("same number of elements", "cosine: sizes", function() return t:cosine(tamga.tensor.zeros(3)) end)
raises("diag needs a square 2-D tensor", "diag: shape", function() return t.diag(tamga.tensor.zeros(2, 3)) end)
raises("argmax needs a 1-D or 2-D tensor", "argmax: 3-D", function() return t.argmax(tamga.tensor.zeros(2, 2, 2)) end)
do
  local c = tamga.tensor.zeros(2)
  c:close()
  raises("tensor is closed", "close: a closed tensor raises", function() return c:sum() end)
end

-- tamga.model -----------------------------------------------------------------------------------------------------
raises("bad argument #1 to 'load' (string expected, got number)", "model.load: type", function() return tamga.model.load(1) end)
raises("bad argument #2 to 'load' (unknown option 'bild'; did you mean 'build'?)", "model.load: option", function() return tamga.model.load("micro", { bild = false }) end)
raises("no such folder, and not a preset", "model.load: a missing folder raises", function() return tamga.model.load("/nonexistent/model") end)
raises("did you mean 'small'?", "model.load: a typo of a preset raises with a suggestion", function() return tamga.model.load("smal") end)
T.ok(type(tamga.model.default()) == "string", "model.default takes no arguments")
T.ok(#tamga.model.presets() >= 3, "model.presets takes no arguments")
T.is(tamga.model.is(3), false, "model.is: any value")
raises("bad argument #1 to 'embed' (table expected, got string)", "embed: sentences", function() return model:embed("x") end)
raises("field 'layer': 9 out of range", "embed: layer", function() return model:embed({ "a" }, { layer = 9 }) end)
raises("unknown option 'pol'", "embed: option", function() return model:embed({ "a" }, { pol = "mean" }) end)
raises("sentence 1: string expected, got number", "embed: entries", function() return model:embed({ 1 }) end)
raises("bad argument #1 to 'hidden_states' (string expected, got no value)", "hidden: text", function() return model:hidden_states() end)
raises("the text needs a <mask>", "fill_mask: no mask", function() return model:fill_mask("no mask here") end)
raises("bad argument #2 to 'fill_mask' (k must be from 1 to 100)", "fill_mask: k", function() return model:fill_mask("a <mask>", 0) end)
raises("bad argument #1 to 'weight' (string expected, got no value)", "weight: name", function() return model:weight() end)
fails("no weight named", "weight: unknown name returns nil, message", function() return model:weight("nope") end)
raises("bad argument #1 to 'weights' (tamga.Model expected, got ", "weights: self", function() return model.weights(1) end)
raises("bad argument #1 to 'config' (tamga.Model expected, got ", "config: self", function() return model.config(1) end)

-- tamga.tokenizer -------------------------------------------------------------------------------------------------
raises("bad argument #1 to 'load' (string expected, got no value)", "tokenizer.load: type", function() return tamga.tokenizer.load() end)
fails("/nonexistent", "tokenizer.load: missing returns nil, message", function() return tamga.tokenizer.load("/nonexistent/spm.model") end)
raises("bad argument #1 to 'stats' (tamga.Tokenizer or tamga.Model expected, got number)", "tokenizer.stats: type", function() return tamga.tokenizer.stats(1, {}) end)
raises("bad argument #2 to 'stats' (list of strings expected, got string)", "tokenizer.stats: sentences", function() return tamga.tokenizer.stats(tok, "x") end)
raises("bad argument #1 to 'encode' (string expected, got no value)", "encode: text", function() return tok:encode() end)
raises("word 2: string expected, got number", "encode_words: entries", function() return tok:encode_words({ "a", 1 }) end)
raises("bad argument #1 to 'pieces' (string expected, got table)", "pieces: text", function() return tok:pieces({}) end)
raises("id 1: integer expected, got string", "decode: ids", function() return tok:decode({ "a" }) end)
raises("bad argument #1 to 'piece' (id out of range)", "piece: range", function() return tok:piece(-1) end)
raises("bad argument #1 to 'id' (string expected, got no value)", "id: piece", function() return tok:id() end)

-- tamga.peft ------------------------------------------------------------------------------------------------------
raises("bad argument #1 to 'lora' (rank must be positive)", "lora: rank", function() return tamga.peft.lora({ rank = 0 }) end)
raises("bad argument #1 to 'lora' (table expected, got string)", "lora: type", function() return tamga.peft.lora("x") end)
raises("unknown option 'rnak'; did you mean 'rank'?", "lora: option", function() return tamga.peft.lora({ rnak = 8 }) end)
raises("unknown target 'x'", "lora: targets", function() return tamga.peft.lora({ targets = { "q", "x" } }) end)
raises("alpha must be positive", "lora: alpha", function() return tamga.peft.lora({ alpha = -1 }) end)
raises("dropout must be in [0, 1)", "lora: dropout", function() return tamga.peft.lora({ dropout = 1 }) end)
raises("field 'layers': entry 1 is not a layer number", "lora: layers", function() return tamga.peft.lora({ layers = { -1 } }) end)
raises("field 'init': kaiming or gaussian", "lora: init", function() return tamga.peft.lora({ init = "x" }) end)
raises("give rank or budget, not both", "lora: rank and budget", function() return tamga.peft.lora({ rank = 4, budget = 100 }) end)
raises("bad argument #1 to 'adapter' (field 'kind': 'x' is not", "adapter: kind", function() return tamga.peft.adapter({ kind = "x" }) end)
raises("reduction must be positive", "adapter: reduction", function() return tamga.peft.adapter({ reduction = 0 }) end)
raises("budget must be positive", "adapter: budget", function() return tamga.peft.adapter({ budget = -5 }) end)
raises("field 'act': relu, gelu, tanh or swish", "adapter: act", function() return tamga.peft.adapter({ act = "x" }) end)
raises("scaling applies to parallel adapters only", "adapter: scaling", function() return tamga.peft.adapter({ scaling = 2 }) end)
raises("bad argument #1 to 'bitfit' (unknown option 'rank')", "bitfit: option", function() return tamga.peft.bitfit({ rank = 2 }) end)
raises("bad argument #1 to 'lnonly' (field 'layers'", "lnonly: layers", function() return tamga.peft.lnonly { layers = true } end)
raises("bad argument #1 to 'full' (field 'mlm': boolean expected", "full: mlm", function() return tamga.peft.full { mlm = 1 } end)
T.ok(tamga.peft.is(tamga.peft.head()), "head takes no arguments")
raises("bad argument #1 to 'parse' (string expected, got no value)", "parse: type", function() return tamga.peft.parse() end)
raises("bad argument #1 to 'parse' (", "parse: malformed spec", function() return tamga.peft.parse("lora:r=x") end)
raises("bad argument #2 to 'parse' (unknown option 'budgte'", "parse: option",
  function() return tamga.peft.parse("lora", { budgte = 1 }) end)
T.ok(#tamga.peft.methods() >= 9, "methods takes no arguments")
raises("bad argument #2 to 'layers' (integer expected, got no value)", "layers: count",
  function() return tamga.peft.layers("0-1") end)
raises("bad argument #1 to 'layers' (", "layers: bad selection", function() return tamga.peft.layers("0-9", 2) end)
T.is(tamga.peft.is(1), false, "peft.is: any value")
raises("bad argument #1 to 'params' (tamga.Model expected, got no value)", "params: model",
  function() return lora:params() end)
raises("bad argument #1 to 'spec' (tamga.Model expected, got number)", "spec: model", function() return lora:spec(1) end)
raises("bad argument #1 to 'count' (tamga.Model expected, got no value)", "count: model",
  function() return lora:count() end)
raises("bad argument #2 to 'match' (budget (integer) or tamga.PeftSpec expected, got string)", "match: budget",
  function() return lora:match(model, "x") end)
raises("bad argument #2 to 'match' (budget must be positive)", "match: budget <= 0",
  function() return lora:match(model, 0) end)
raises("bad argument #3 to 'match' (tolerance must be between 0 and 1)", "match: tolerance",
  function() return lora:match(model, 100, 2) end)
raises("bad argument #2 to 'flops' (unknown option 'seqlen'", "flops: option",
  function() return lora:flops(model, { seqlen = 8 }) end)
raises("bad argument #1 to 'layer_params' (tamga.Model expected", "layer_params: model",
  function() return lora:layer_params(1) end)
raises("bad argument #1 to 'format' (tamga.Model expected", "format: model", function() return lora:format(2) end)
fails("no r brings the trainable parameters", "params: an unreachable budget returns nil, message",
  function() return tamga.peft.lora { budget = 3 }:params(model) end)

-- tamga.task ------------------------------------------------------------------------------------------------------
raises("bad argument #1 to 'udpos' (field 'source': string expected, got number)", "udpos: source",
  function() return tamga.task.udpos { source = 1 } end)
raises("bad argument #1 to 'ner' (unknown option 'target'; did you mean 'targets'?)", "ner: option",
  function() return tamga.task.ner { target = "kk" } end)
raises("bad argument #1 to 'nli' (max_train must be positive)", "nli: max_train",
  function() return tamga.task.nli { max_train = 0 } end)
raises("bad argument #1 to 'copa' (field 'targets': 'kk' appears twice)", "copa: duplicate target",
  function() return tamga.task.copa { targets = { "kk", "kk" } } end)
raises("field 'targets': a language code like", "udpos: bad language",
  function() return tamga.task.udpos { targets = { "k k" } } end)
raises("bad argument #1 to 'new' (unknown task 'pos'", "task.new: name", function() return tamga.task.new("pos") end)
raises("bad argument #1 to 'languages' (string expected, got no value)", "languages: type",
  function() return tamga.task.languages() end)
T.is(tamga.task.is(task), true, "task.is: a task")
T.ok(#task:languages() >= 5, "Task:languages takes no arguments")
T.is(task:options().task, "udpos", "Task:options takes no arguments")

-- tamga.train -----------------------------------------------------------------------------------------------------
raises("bad argument #1 to 'train' (table expected, got no value)", "train: type", function() return tamga.train() end)
raises("bad argument #1 to 'train' (field 'task' is required", "train: task",
  function() return tamga.train { model = model } end)
raises("bad argument #1 to 'train' (unknown option 'epoch'; did you mean 'epochs'?)", "train: option",
  function() return tamga.train { task = task, epoch = 2 } end)
raises("bad argument #1 to 'train' (field 'task': tamga.Task expected, got string)", "train: task type",
  function() return tamga.train { task = "udpos" } end)
raises("bad argument #1 to 'train' (epochs must be positive)", "train: epochs",
  function() return tamga.train { task = task, epochs = 0 } end)
raises("bad argument #1 to 'train' (field 'on_eval': function expected, got number)", "train: on_eval",
  function() return tamga.train { task = task, on_eval = 1 } end)
raises("field 'schedule': constant, linear or cosine", "train: schedule",
  function() return tamga.train { task = task, schedule = "x" } end)
raises("give budget or match, not both", "train: budget and match",
  function() return tamga.train { task = task, budget = 10, match = lora } end)
-- issue 18, bug 10: typos failed quietly (the task was accepted, tamga.train returned nil with no message)
raises("bad argument #1 to 'udpos' (field 'targets': no evaluation data for 'kz' under the data root; did you mean 'kk'?",
  "udpos: a target without data raises with a suggestion", function() return tamga.task.udpos { targets = { "kz" } } end)
raises("field 'source': no training data for 'az' under the data root", "udpos: a source without training data raises",
  function() return tamga.task.udpos { source = "az" } end)
raises("tamga.train: ", "train: a run that cannot start raises with the engine's message", function()
  return tamga.train { model = model, task = task, peft = tamga.peft.adapter { kind = "pfeiffer", budget = 5 }, steps = 1 }
end)
raises("stop here", "train: an error in on_eval is raised after the run stops", function()
  return tamga.train { model = model, task = task, peft = lora, steps = 2, eval_every = 1,
    on_eval = function() error("stop here") end }
end)

-- a small stored run for the store and Run tests
local run = assert(tamga.train { model = model, task = task, peft = lora, steps = 2, bootstrap = 50 })

-- tamga.store -----------------------------------------------------------------------------------------------------
raises("bad argument #1 to 'open' (string expected, got number)", "store.open: type",
  function() return tamga.store.open(1) end)
raises("bad argument #2 to 'open' (unknown option 'writable'", "store.open: option",
  function() return tamga.store.open(ws, { writable = true }) end)
fails("open workspace", "store.open: a missing store returns nil, message",
  function() return tamga.store.open("/nonexistent/ws") end)
T.ok(type(tamga.store.default()) == "string", "store.default takes no arguments")
raises("bad argument #1 to 'json' (string expected, got no value)", "store.json: type",
  function() return tamga.store.json() end)
local store = assert(tamga.store.open(ws))
raises("bad argument #1 to 'runs' (unknown option 'tsk'; did you mean 'task'?)", "runs: option",
  function() return store:runs { tsk = "udpos" } end)
raises("unknown status 'finished'", "runs: status", function() return store:runs { status = "finished" } end)
raises("bad argument #1 to 'run' (number expected, got string)", "run: id type", function() return store:run("x") end)
fails("no such run", "run: an unknown id returns nil, message", function() return store:run(999) end)
raises("bad argument #2 to 'evals' (invalid option 'best')", "evals: which",
  function() return store:evals(run.id, "best") end)
raises("bad argument #1 to 'steps' (run ids are positive)", "steps: id", function() return store:steps(0) end)
raises("bad argument #1 to 'report' (table expected, got number)", "report: ids", function() return store:report(1) end)
raises("field 'format': md, csv or json", "report: format",
  function() return store:report({ run.id }, { format = "xml" }) end)
raises("the store is open read-only", "delete: read-only", function() return store:delete(run.id) end)

-- tamga.Run -------------------------------------------------------------------------------------------------------
raises("bad argument #1 to 'curves' (split must be \"dev\" or \"test\")", "Run:curves: split",
  function() return run:curves("train") end)
T.ok(run:report() ~= nil, "Run:report takes no arguments")
T.ok(run:scores() ~= nil, "Run:scores takes no arguments")
T.ok(run:ttc() ~= nil, "Run:ttc takes no arguments")
T.ok(run:history() ~= nil, "Run:history takes no arguments")
T.ok(run:store() ~= nil, "Run:store takes no arguments")
T.ok(run:report():csv():match("^run,lang"), "Report:csv takes no arguments")

-- tamga.data ------------------------------------------------------------------------------------------------------
raises("bad argument #1 to 'list' (unknown option 'language'", "data.list: option",
  function() return tamga.data.list { language = "kk" } end)
raises("bad argument #1 to 'list' (field 'task': string expected, got number)", "data.list: task",
  function() return tamga.data.list { task = 1 } end)
raises("bad argument #3 to 'load' (string expected, got no value)", "data.load: split",
  function() return tamga.data.load("udpos", "kk") end)
fails("no udpos data for xx test", "data.load: missing data returns nil, message",
  function() return tamga.data.load("udpos", "xx", "test") end)
raises("bad argument #1 to 'read' (invalid option 'csv')", "data.read: format",
  function() return tamga.data.read("csv", "x") end)
raises("this format reads two line-aligned files", "data.read: two files",
  function() return tamga.data.read("bitext", "a") end)
fails("/nonexistent", "data.read: a missing file returns nil, message",
  function() return tamga.data.read("conllu", "/nonexistent.conllu") end)
T.ok(type(tamga.data.root()) == "string", "data.root takes no arguments")
raises("bad argument #1 to 'summary' (unknown option 'tsk'", "data.summary: option",
  function() return tamga.data.summary { tsk = 1 } end)
raises("bad argument #4 to 'sentences' (integer expected, got string)", "data.sentences: n",
  function() return tamga.data.sentences("udpos", "kk", "test", "x") end)
local ds = assert(tamga.data.load("udpos", "kk", "test"))
raises("bad argument #1 to 'sentences' (count must not be negative)", "Dataset:sentences: n",
  function() return ds:sentences(-1) end)
raises("side must be \"a\" or \"b\"", "Dataset:sentences: side", function() return ds:sentences(2, "c") end)
T.is(ds[0], nil, "Dataset[0] is nil")

-- tamga.plot ------------------------------------------------------------------------------------------------------
local series = { { name = "a", x = { 1, 2, 3 }, y = { 1, 4, 9 } } }
raises("bad argument #1 to 'line' (field 'series': a non-empty list", "line: series",
  function() return tamga.plot.line { series = {} } end)
raises("bad argument #1 to 'layers' (series 1: x has 2 values, y has 1)", "layers: lengths",
  function() return tamga.plot.layers { series = { { x = { 1, 2 }, y = { 1 } } } } end)
raises("bad argument #1 to 'scatter' (unknown option 'titel'", "scatter: option",
  function() return tamga.plot.scatter { series = series, titel = "x" } end)
raises("bad argument #1 to 'heatmap' (field 'values': a table of rows expected)", "heatmap: values",
  function() return tamga.plot.heatmap { values = { 1, 2 } } end)
raises("bad argument #1 to 'curves' (tamga.Run or list of runs expected, got number)", "plot.curves: runs",
  function() return tamga.plot.curves(1) end)
raises("bad argument #1 to 'text' (series 1: field 'y': table expected, got number)", "plot.text: y",
  function() return tamga.plot.text { series = { { x = { 1 }, y = 1 } } } end)
raises("bad argument #2 to 'heat_text' (list of strings expected, got number)", "heat_text: rows",
  function() return tamga.plot.heat_text({ { 1 } }, 1, { "a" }) end)
raises("row 1 has 2 values for 1 column names", "heat_text: names",
  function() return tamga.plot.heat_text({ { 1, 2 } }, { "r" }, { "a" }) end)
raises("bad argument #2 to 'bars' (table expected, got no value)", "bars: values",
  function() return tamga.plot.bars({ "a" }) end)
raises("bad argument #1 to 'new' (invalid option 'pie')", "plot.new: kind", function() return tamga.plot.new("pie") end)
local p = tamga.plot.line { series = series }
raises("bad argument #1 to 'save' (string expected, got no value)", "save: path", function() return p:save() end)
raises("bad argument #1 to 'save' (", "save: extension", function() return p:save("x.gif") end)
raises("bad argument #2 to 'save' (width must be from 16 to 20000)", "save: width",
  function() return p:save("x.png", 1) end)
fails("/nonexistent/dir/x.png", "save: an unwritable path returns nil, message",
  function() return p:save("/nonexistent/dir/x.png") end)
raises("bad argument #2 to 'series' (table expected, got nil)", "series: x", function() return p:series("b") end)
raises("bad argument #1 to 'curve' (string expected, got no value)", "curve: name", function() return p:curve() end)
raises("bad argument #2 to 'style' (invalid option 'pink')", "style: color", function() return p:style(1, "pink") end)
raises("bad argument #1 to 'hline' (number expected, got no value)", "hline: y", function() return p:hline() end)
raises("bad argument #1 to 'xrange' (number expected, got string)", "xrange: min", function() return p:xrange("a") end)
raises("bad argument #2 to 'yrange' (number expected, got string)", "yrange: max", function() return p:yrange(0, "b") end)
raises("bad argument #1 to 'axis' (string expected, got table)", "axis: label", function() return p:axis({}) end)
raises("not a heat map", "heatmap: on a line plot", function() return p:heatmap({ { 1 } }) end)
raises("field 'cmap': viridis or diverging", "scale: cmap", function() return p:scale { cmap = "x" } end)

-- tamga.analysis --------------------------------------------------------------------------------------------------
raises("bad argument #1 to 'ttc' (tamga.Store or string expected, got number)", "ttc: store",
  function() return tamga.analysis.ttc(1) end)
raises("bad argument #2 to 'ttc' (unknown option 'metod'", "ttc: option",
  function() return tamga.analysis.ttc(store, { metod = "lora" }) end)
fails("open workspace", "ttc: a missing store returns nil, message",
  function() return tamga.analysis.ttc("/nonexistent/ws") end)
raises("bad argument #1 to 'ttc_runs' (entry 1 is not a tamga.Run)", "ttc_runs: entries",
  function() return tamga.analysis.ttc_runs { 1 } end)
raises("bad argument #2 to 'matrix' (field 'rows': source or method)", "matrix: rows",
  function() return tamga.analysis.matrix({}, { rows = "x" }) end)
raises("bad argument #1 to 'tokstats' (tamga.Tokenizer or tamga.Model expected, got number)", "tokstats: tokenizer",
  function() return tamga.analysis.tokstats(1) end)
raises("bad argument #2 to 'tokstats' (field 'langs': list of strings expected, got string)", "tokstats: langs",
  function() return tamga.analysis.tokstats(tok, { langs = "kk" }) end)
raises("bad argument #3 to 'probe' (list of strings expected, got no value)", "probe: b",
  function() return tamga.analysis.probe(model, { "a" }) end)
raises("both sides need the same number of sentences", "probe: sizes",
  function() return tamga.analysis.probe(model, { "a", "b" }, { "c" }) end)
raises("bad argument #2 to 'probe_pair' (a language pair like \"tr-kk\" expected)", "probe_pair: pair",
  function() return tamga.analysis.probe_pair(model, "trkk") end)
fails("no parallel text for xx-yy", "probe_pair: a pair without data returns nil, message",
  function() return tamga.analysis.probe_pair(model, "xx-yy") end)
raises("bad argument #1 to 'scaling' (at least three points are needed)", "scaling: points",
  function() return tamga.analysis.scaling {} end)
raises("bad argument #2 to 'scaling' (field 'form': D, DP or DPT)", "scaling: form", function()
  return tamga.analysis.scaling({ { D = 1, err = 1 }, { D = 2, err = 1 }, { D = 3, err = 1 } }, { form = "X" })
end)
raises("bad argument #2 to 'predict' (number expected, got no value)", "predict: D",
  function() return tamga.analysis.predict {} end)
raises("bad argument #1 to 'scaling_points' (entry 1 is not a tamga.Run)", "scaling_points: entries",
  function() return tamga.analysis.scaling_points { 1 } end)

-- tamga.core: what the REPL and the Run class use
raises("bad argument #1 to 'complete' (string expected, got no value)", "core.complete: word",
  function() return tamga.core.complete() end)
T.is(tamga.core.complete("tamga.mode")[1], "tamga.model.", "core.complete gives Tab's candidates")
raises("bad argument #1 to 'set_wrapper' (function expected, got number)", "core.store.set_wrapper: type",
  function() return tamga.core.store.set_wrapper(1) end)

-- engine errors reach Lua as (code, message, hint), not text to scrape ----------------------------------------------
do
  local spec, msg, e = tamga.core.peft.try_parse("lora:r=x")
  T.ok(spec == nil and type(e) == "table" and e.code == "arg" and e.message == msg and msg:find("r=x", 1, true),
    "core.peft.try_parse: nil, message, error {code='arg', message} (" .. tostring(e and e.code) .. ": " .. tostring(msg) .. ")")
  local m, msg2, e2 = tamga.core.model.load("/nonexistent/model")
  T.ok(m == nil and type(e2) == "table" and type(e2.code) == "string" and e2.message and msg2:sub(1, #e2.message) == e2.message
    and (e2.hint == nil or msg2:find(e2.hint, 1, true)), "an expected failure's third value is the error: code "
    .. tostring(e2 and e2.code) .. ", message, hint")
  -- the friendly constructors turn it into their own argument error, message intact
  raises("bad argument #1 to 'lora' (", "peft.lora: an engine error becomes the constructor's argument error",
    function() return tamga.peft.lora { layers = "0-1", rank = 4, targets = "q+nope" } end)
end

T.done()
