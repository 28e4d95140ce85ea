/* SentencePiece through libsentencepiece: an extern "C" shim for loading, encoding, decoding and training. */
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

extern "C" {
#include "util/util.h"          /* a C header without extern "C" of its own */
}
#include "tokenize/tok-internal.h"

struct tg_sp {
	sentencepiece::SentencePieceProcessor proc;
	std::string model_type;
};

/* Walk the fields of a serialized protobuf message, calling fn(field, wire type, bytes, length, value) for each
 * varint (wire type 0: value) and length-delimited (wire type 2: bytes, length) field until it returns false.
 * Returns 1 when the whole message was walked, 0 when fn stopped it, -1 when the message does not parse. */
template <typename F>
static int
proto_walk(const std::string &msg, F fn)
{
	size_t i = 0, n = msg.size();
	const unsigned char *p = (const unsigned char *)msg.data();

	auto read_varint = [&](uint64_t *out) -> bool {
		uint64_t v = 0;
		for (int shift = 0; shift < 64 && i < n; shift += 7) {
			unsigned char b = p[i++];
			v |= (uint64_t)(b & 0x7f) << shift;
			if (!(b & 0x80)) {
				*out = v;
				return true;
			}
		}
		return false;
	};
	while (i < n) {
		uint64_t key, len, v;
		if (!read_varint(&key))
			return -1;
		int f = (int)(key >> 3);
		switch ((int)(key & 7)) {
		case 0:
			if (!read_varint(&v))
				return -1;
			if (!fn(f, 0, (const char *)nullptr, (size_t)0, v))
				return 0;
			break;
		case 1: if (n - i < 8) return -1; i += 8; break;
		case 5: if (n - i < 4) return -1; i += 4; break;
		case 2:
			if (!read_varint(&len) || len > n - i)
				return -1;
			if (!fn(f, 2, (const char *)p + i, (size_t)len, (uint64_t)0))
				return 0;
			i += len;
			break;
		default:
			return -1;
		}
	}
	return 1;
}

/* Read one field of a serialized protobuf message: returns the bytes of length-delimited field `field`
 * (wire type 2) or the value of varint field `field` (wire type 0) found first. */
static bool
proto_field(const std::string &msg, int field, std::string *bytes, uint64_t *varint)
{
	bool found = false;

	proto_walk(msg, [&](int f, int wt, const char *b, size_t len, uint64_t v) {
		if (f == field && wt == 0 && varint) {
			*varint = v;
			found = true;
		} else if (f == field && wt == 2 && bytes) {
			bytes->assign(b, len);
			found = true;
		}
		return !found;
	});
	return found;
}

/* Call fn on the bytes of every length-delimited field `field` of a serialized message (protobuf merges repeated
 * occurrences of a singular field, so every one matters). False when the message does not parse. */
template <typename F>
static bool
proto_each(const std::string &msg, int field, F fn)
{
	return proto_walk(msg, [&](int f, int wt, const char *b, size_t len, uint64_t) {
		return wt != 2 || f != field || fn(std::string(b, len));
	}) == 1;
}

/* A precompiled charsmap (NormalizerSpec.precompiled_charsmap): uint32 trie size, darts-clone double-array units,
 * then the NUL-terminated replacement strings the trie's values point at. libsentencepiece walks it with no bounds
 * checks, so corrupt ones read out of bounds while encoding (found by fuzz/fuzz-spm). Checked here, as darts-clone
 * builds them: whole 256-unit blocks; every node's children inside the array; every value the start of a
 * NUL-terminated string in the blob; no cycles (a valid trie is a tree); and at most 32 values along any walk
 * from the root, the size of the result array Normalizer::NormalizePrefix passes to commonPrefixSearch, which
 * reads past it when a walk finds more. */
static const char *
charsmap_problem(const std::string &blob)
{
	const unsigned char *b = (const unsigned char *)blob.data();
	size_t len = blob.size(), nunit, nnorm, i;
	const char *norm;
	uint32_t tsize;

	if (len == 0)
		return nullptr;                 /* no normalization */
	if (len < 4)
		return "precompiled_charsmap is shorter than its 4-byte header";
	tsize = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	if (tsize % 4 != 0 || tsize > len - 4)
		return "precompiled_charsmap trie size does not fit the blob";
	nunit = tsize / 4;
	norm = (const char *)b + 4 + tsize;
	nnorm = len - 4 - tsize;
	if (nunit == 0 || nunit % 256 != 0)
		return "precompiled_charsmap trie is not whole 256-unit blocks";
	auto unit = [&](size_t k) -> uint32_t {
		uint32_t u;
		std::memcpy(&u, b + 4 + 4 * k, 4);
		return u;
	};
	/* the position of a node's children (label c at base ^ c) and of its value (base ^ 0) */
	auto base = [&](size_t k) -> uint32_t {
		uint32_t u = unit(k);
		return (uint32_t)k ^ ((u >> 10) << ((u & (1u << 9)) >> 6));
	};
	auto has_leaf = [&](size_t k) -> bool { return (unit(k) >> 8) & 1; };
	/* the child of the node whose children start at bs, by label c; NONE when there is none */
	const uint32_t NONE = UINT32_MAX;
	auto child = [&](uint32_t bs, unsigned c) -> uint32_t {
		uint32_t id = bs ^ c;
		return (unit(id) & ((1u << 31) | 0xff)) == c ? id : NONE;
	};
	for (i = 0; i < nunit; i++) {
		uint32_t u = unit(i);
		if ((u >> 31) && i != 0)
			continue;               /* a value unit: never walked as a node (the root always is) */
		if (base(i) >= nunit)
			return "precompiled_charsmap trie points outside itself";
		if (has_leaf(i)) {
			uint32_t v = unit(base(i)) & ((1u << 31) - 1);
			if (v >= nnorm || std::memchr(norm + v, 0, nnorm - v) == nullptr)
				return "precompiled_charsmap value points outside its strings";
		}
	}
	/* Depth-first from the root's children: values along the longest walk, per node (memoised), and cycles. */
	std::vector<uint8_t> state(nunit, 0);          /* 0 unseen, 1 on the stack, 2 done */
	std::vector<uint8_t> most(nunit, 0);           /* values along the longest walk from the node, capped */
	std::vector<std::pair<uint32_t, unsigned>> stack;
	unsigned c, k, deepest = 0;

	for (c = 0; c < 256; c++) {
		uint32_t top = child(base(0), c);
		if (top == NONE)
			continue;
		if (state[top] == 0) {
			stack.assign(1, {top, 0});
			state[top] = 1;
		}
		while (!stack.empty()) {
			uint32_t n = stack.back().first, ch;
			if (stack.back().second < 256) {
				ch = child(base(n), stack.back().second++);
				if (ch == NONE || state[ch] == 2)
					continue;
				if (state[ch] == 1)
					return "precompiled_charsmap trie has a cycle";
				state[ch] = 1;
				stack.push_back({ch, 0});
				continue;
			}
			unsigned m = 0;
			for (k = 0; k < 256; k++)
				if ((ch = child(base(n), k)) != NONE && most[ch] > m)
					m = most[ch];
			m += has_leaf(n);
			most[n] = (uint8_t)(m > 255 ? 255 : m);
			state[n] = 2;
			stack.pop_back();
		}
		if (most[top] > deepest)
			deepest = most[top];
	}
	if (deepest > 32)
		return "precompiled_charsmap trie has more than 32 values along one key";
	return nullptr;
}

extern "C" tg_sp *
tg_sp_load(const char *path, tg_error *err)
{
	tg_sp *sp = new (std::nothrow) tg_sp;
	if (sp == nullptr) {
		tg_error_set(err, TG_E_NOMEM, "%s: out of memory", path);
		return nullptr;
	}
	sentencepiece::util::Status st;
	try {
		st = sp->proc.Load(path);
	} catch (const std::exception &e) {
		/* the library throws from its trie builder on some malformed models (an empty piece: found by
		 * fuzz/fuzz-spm); an exception must not cross into C */
		std::string m = e.what();
		size_t k = m.find("exception: ");
		if (k != std::string::npos)
			m = m.substr(k + 11);
		tg_error_set(err, TG_E_FORMAT, "%s: not a readable SentencePiece model (%s)", path, m.c_str());
		tg_error_hint(err, "the file may be truncated or not a .model; download it again or retrain it");
		delete sp;
		return nullptr;
	}
	if (!st.ok()) {
		std::string m = st.ToString();
		/* the library's message names its own source lines; say what it means instead */
		if (m.find("ParseFromArray") != std::string::npos)
			m = "protobuf parse error";
		else if (m.compare(0, 10, "Internal: ") == 0)
			m = m.substr(10);
		while (!m.empty() && (m.back() == ' ' || m.back() == '.'))
			m.pop_back();
		tg_error_set(err, TG_E_FORMAT, "%s: not a readable SentencePiece model (%s)", path,
		             m.empty() ? "parse error" : m.c_str());
		tg_error_hint(err, "the file may be truncated or not a .model; download it again or retrain it");
		delete sp;
		return nullptr;
	}
	const char *why = nullptr;
	auto check_spec = [&](const std::string &spec) {
		return proto_each(spec, 2, [&](const std::string &blob) { return (why = charsmap_problem(blob)) == nullptr; });
	};
	/* ModelProto.normalizer_spec (3) and denormalizer_spec (5) */
	const std::string proto = sp->proc.serialized_model_proto();
	if (!proto_each(proto, 3, check_spec) || !proto_each(proto, 5, check_spec)) {
		tg_error_set(err, TG_E_FORMAT, "%s: not a readable SentencePiece model (%s)", path,
		             why ? why : "protobuf parse error");
		tg_error_hint(err, "the file may be truncated or not a .model; download it again or retrain it");
		delete sp;
		return nullptr;
	}
	if (sp->proc.GetPieceSize() <= 0) {
		tg_error_set(err, TG_E_FORMAT, "%s: SentencePiece model has no pieces", path);
		delete sp;
		return nullptr;
	}
	std::string trainer;
	uint64_t mt = 1;
	if (proto_field(sp->proc.serialized_model_proto(), 2, &trainer, nullptr))
		proto_field(trainer, 3, nullptr, &mt);
	sp->model_type = mt == 2 ? "bpe" : mt == 3 ? "word" : mt == 4 ? "char" : "unigram";
	return sp;
}

extern "C" void
tg_sp_free(tg_sp *sp)
{
	delete sp;
}

extern "C" int
tg_sp_size(const tg_sp *sp)
{
	return sp->proc.GetPieceSize();
}

extern "C" const char *
tg_sp_piece(const tg_sp *sp, int id)
{
	return sp->proc.IdToPiece(id).c_str();
}

extern "C" float
tg_sp_score(const tg_sp *sp, int id)
{
	return sp->proc.GetScore(id);
}

extern "C" int
tg_sp_piece_type(const tg_sp *sp, int id)
{
	if (sp->proc.IsUnknown(id))
		return 2;
	if (sp->proc.IsControl(id))
		return 3;
	if (sp->proc.IsUnused(id))
		return 5;
	if (sp->proc.IsByte(id))
		return 6;
	return 1;
}

extern "C" int
tg_sp_special(const tg_sp *sp, int which)
{
	switch (which) {
	case 0: return sp->proc.unk_id();
	case 1: return sp->proc.bos_id();
	case 2: return sp->proc.eos_id();
	default: return sp->proc.pad_id();
	}
}

extern "C" const char *
tg_sp_model_type(const tg_sp *sp)
{
	return sp->model_type.c_str();
}

extern "C" int
tg_sp_encode(const tg_sp *sp, const char *text, size_t len, tg_ivec *ids, tg_ivec *begin, tg_error *err)
{
	try {
		auto spt = sp->proc.EncodeAsImmutableProto(absl::string_view(text, len));
		size_t n = spt.pieces_size();
		for (size_t i = 0; i < n; i++) {
			auto p = spt.pieces((int)i);
			tg_ivec_push(ids, (int32_t)p.id());
			tg_ivec_push(begin, (int32_t)p.begin());
		}
	} catch (const std::exception &e) {
		return tg_error_set(err, TG_E_STATE, "sentencepiece: encoding failed (%s)", e.what());
	}
	return TG_OK;
}

extern "C" char *
tg_sp_decode(const tg_sp *sp, const int32_t *ids, int n, tg_error *err)
{
	std::vector<int> v(ids, ids + n);
	std::string out;
	sentencepiece::util::Status st;
	try {
		st = sp->proc.Decode(v, &out);
	} catch (const std::exception &e) {
		tg_error_set(err, TG_E_STATE, "sentencepiece: cannot decode (%s)", e.what());
		return nullptr;
	}
	if (!st.ok()) {
		tg_error_set(err, TG_E_ARG, "sentencepiece: cannot decode (%s)", st.ToString().c_str());
		return nullptr;
	}
	return tg_xstrdup(out.c_str());
}

extern "C" int
tg_tokenizer_train_sp(const char *input_file, const char *model_prefix, int vocab_size, const char *model_type,
                      const char *options, tg_error *err)
{
	std::unordered_map<std::string, std::string> kw;

	if (input_file == nullptr || model_prefix == nullptr)
		return tg_error_set(err, TG_E_ARG, "train_sp: input file and model prefix are required");
	if (vocab_size < 8)
		return tg_error_set(err, TG_E_ARG, "train_sp: vocab_size %d is too small (at least 8)", vocab_size);
	std::string type = model_type ? model_type : "unigram";
	if (type != "unigram" && type != "bpe" && type != "char" && type != "word") {
		tg_error_set(err, TG_E_ARG, "train_sp: unknown model type '%s'", type.c_str());
		return tg_error_hint(err, "use unigram or bpe");
	}
	FILE *f = fopen(input_file, "rb");
	if (f == nullptr)
		return tg_error_set(err, TG_E_IO, "train_sp: cannot open %s", input_file);
	fclose(f);
	kw["input"] = input_file;
	kw["model_prefix"] = model_prefix;
	kw["vocab_size"] = std::to_string(vocab_size);
	kw["model_type"] = type;
	kw["minloglevel"] = "2";
	if (options != nullptr) {
		const char *p = options;
		while (*p) {
			while (*p == ' ' || *p == '\t')
				p++;
			if (!*p)
				break;
			const char *q = p;
			while (*q && *q != ' ' && *q != '\t')
				q++;
			std::string word(p, q - p);
			size_t k = word.find('=');
			size_t s = word.compare(0, 2, "--") == 0 ? 2 : 0;
			if (k == std::string::npos || k <= s)
				return tg_error_set(err, TG_E_ARG, "train_sp: option '%s' is not key=value", word.c_str());
			kw[word.substr(s, k - s)] = word.substr(k + 1);
			p = q;
		}
	}
	try {
		auto st = sentencepiece::SentencePieceTrainer::Train(kw);
		if (!st.ok())
			return tg_error_set(err, TG_E_ARG, "train_sp: %s", st.ToString().c_str());
	} catch (const std::exception &e) {
		return tg_error_set(err, TG_E_STATE, "train_sp: %s", e.what());
	}
	return TG_OK;
}
