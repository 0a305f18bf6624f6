package com.cryptomaltese.gateway.engine.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the {@code data.pkl} of a {@code torch.save} archive without executing anything. It is a
 * small stack machine for the pickle opcodes a state dict uses, whose only "callables" are Java
 * constructors for a dict and a tensor descriptor. Every global outside {@link #resolve the
 * allowlist} is refused by name ("unsafe pickle: posix.system") the moment it is read, before
 * anything could apply it.
 *
 * <p>Values: {@code None} is {@link #NONE}, bools {@link Boolean}, ints {@link Long} (LONG1 up to
 * 8 bytes), floats {@link Double}, strings {@link String}, tuples {@link Tuple}, lists
 * {@link ArrayList}, dicts and OrderedDicts {@link LinkedHashMap} (insertion order is file order),
 * storages {@link Storage} (from the persistent-id callback), tensors {@link TensorRef}.
 *
 * <p>A TorchScript program's pickles ({@code data.pkl}, {@code constants.pkl}) are read in
 * {@linkplain #loadProgram program mode}: libtorch, not Python, reads them, so there every global
 * but the storage types and the tensor builders is an inert {@link ScriptClass} (the program's own
 * classes, TorchScript's list helpers, {@code torch.device}, enums …) whose objects are never run;
 * only the storages and the tensor views into them are of interest, to be checked against the
 * archive before libtorch reads it.
 *
 * <p>Bounded by the input: every opcode consumes at least one byte and lengths are checked against
 * what is left before anything is allocated, so no input makes it loop or allocate more than a
 * small multiple of its size. Every failure is a {@link TorchCheckpointException} naming the source
 * and the byte offset.
 */
final class RestrictedUnpickler {

    /** Python's None (kept distinct from Java null so that every stack slot is a real value). */
    static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    /** A Python tuple: immutable, so usable as a dict key. */
    record Tuple(List<Object> items) {
        Tuple {
            items = List.copyOf(items);
        }

        int size() {
            return items.size();
        }

        Object get(int i) {
            return items.get(i);
        }
    }

    /** A storage, as the persistent-id callback resolved it: zip key, storage type, element count. */
    record Storage(String key, Global type, long numel) {

        /** The element type we read it as; null for types never read as weights (a program may hold them). */
        DType dtype() {
            return type.dtype;
        }
    }

    /** A global of a program's pickle outside the allowlist (a program class, a helper): never called, only named. */
    record ScriptClass(String qualifiedName) {
        @Override
        public String toString() {
            return qualifiedName;
        }
    }

    /** What a program's pickle builds from a {@link ScriptClass}: an inert placeholder. */
    record ScriptObject(ScriptClass type) {
    }

    /** What {@code torch._utils._rebuild_tensor_v2} would build: a view of a storage. */
    record TensorRef(Storage storage, long offset, long[] shape, long[] stride) {
    }

    /** The only globals a state dict needs. Storage types are inert names; the others are applied by REDUCE. */
    enum Global {
        ORDERED_DICT("collections", "OrderedDict"),
        REBUILD_TENSOR_V2("torch._utils", "_rebuild_tensor_v2"),
        REBUILD_PARAMETER("torch._utils", "_rebuild_parameter"),
        REBUILD_PARAMETER_WITH_STATE("torch._utils", "_rebuild_parameter_with_state"),
        FLOAT_STORAGE("torch", "FloatStorage", DType.F32, 4),
        HALF_STORAGE("torch", "HalfStorage", DType.F16, 2),
        BFLOAT16_STORAGE("torch", "BFloat16Storage", DType.BF16, 2),
        // Real storage types whose tensors we do not deliver as F32: recognised so the message can
        // say "unsupported storage type" instead of "unsafe", and refused when a state dict's storage
        // uses them. A program's storages may have any of them (position ids, masks).
        DOUBLE_STORAGE("torch", "DoubleStorage", null, 8),
        LONG_STORAGE("torch", "LongStorage", null, 8),
        INT_STORAGE("torch", "IntStorage", null, 4),
        SHORT_STORAGE("torch", "ShortStorage", null, 2),
        CHAR_STORAGE("torch", "CharStorage", null, 1),
        BYTE_STORAGE("torch", "ByteStorage", null, 1),
        BOOL_STORAGE("torch", "BoolStorage", null, 1),
        COMPLEX_FLOAT_STORAGE("torch", "ComplexFloatStorage", null, 8),
        COMPLEX_DOUBLE_STORAGE("torch", "ComplexDoubleStorage", null, 16),
        COMPLEX_HALF_STORAGE("torch", "ComplexHalfStorage", null, 4),
        UINT16_STORAGE("torch", "UInt16Storage", null, 2),
        UINT32_STORAGE("torch", "UInt32Storage", null, 4),
        UINT64_STORAGE("torch", "UInt64Storage", null, 8),
        FLOAT8_E4M3FN_STORAGE("torch", "Float8_e4m3fnStorage", null, 1),
        FLOAT8_E5M2_STORAGE("torch", "Float8_e5m2Storage", null, 1),
        FLOAT8_E4M3FNUZ_STORAGE("torch", "Float8_e4m3fnuzStorage", null, 1),
        FLOAT8_E5M2FNUZ_STORAGE("torch", "Float8_e5m2fnuzStorage", null, 1),
        QINT8_STORAGE("torch", "QInt8Storage", null, 1),
        QUINT8_STORAGE("torch", "QUInt8Storage", null, 1),
        QINT32_STORAGE("torch", "QInt32Storage", null, 4),
        QUINT4X2_STORAGE("torch", "QUInt4x2Storage", null, 1),
        QUINT2X4_STORAGE("torch", "QUInt2x4Storage", null, 1),
        // A quantised tensor's view of its storage; only a program's are checked, a state dict's refused.
        REBUILD_QTENSOR("torch._utils", "_rebuild_qtensor");

        final String module;
        final String name;
        final DType dtype;
        /** Bytes per element in a storage entry; 0 for what is no storage type. */
        final int elementBytes;

        Global(String module, String name) {
            this(module, name, null, 0);
        }

        Global(String module, String name, DType dtype, int elementBytes) {
            this.module = module;
            this.name = name;
            this.dtype = dtype;
            this.elementBytes = elementBytes;
        }

        boolean isStorageType() {
            return name.endsWith("Storage");
        }

        String qualifiedName() {
            return module + "." + name;
        }

        @Override
        public String toString() {
            return qualifiedName();
        }
    }

    /** Resolves {@code BINPERSID}: for torch, {@code ('storage', <storage type>, key, location, numel)}. */
    @FunctionalInterface
    interface PersistentLoader {
        Storage load(Object pid, String where) throws TorchCheckpointException;
    }

    private static final Map<String, Global> ALLOWED = new HashMap<>();

    static {
        for (Global g : Global.values()) {
            ALLOWED.put(g.module + "\n" + g.name, g);
        }
    }

    private static final Object MARK = new Object();

    private final String source;
    private final byte[] data;
    private final PersistentLoader persistent;
    private final boolean program;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private int pos;
    private int opStart;

    private RestrictedUnpickler(String source, byte[] data, PersistentLoader persistent, boolean program) {
        this.source = source;
        this.data = data;
        this.persistent = persistent;
        this.program = program;
    }

    /** Runs a state dict's pickle to its STOP and returns the value it produced. */
    static Object load(String source, byte[] data, PersistentLoader persistent) throws TorchCheckpointException {
        return new RestrictedUnpickler(source, data, persistent, false).run();
    }

    /**
     * Runs a TorchScript program's pickle to its STOP: as {@link #load}, but every global outside the
     * allowlist (the program's classes, TorchScript's helpers, torch.device …) becomes an inert
     * {@link ScriptClass}, and tensor views are checked against their storages as they are built.
     */
    static Object loadProgram(String source, byte[] data, PersistentLoader persistent) throws TorchCheckpointException {
        return new RestrictedUnpickler(source, data, persistent, true).run();
    }

    /** A global by name; in program mode, one outside the allowlist is an inert {@link ScriptClass}. */
    private Object global(String module, String name) throws TorchCheckpointException {
        if (program && !ALLOWED.containsKey(module + "\n" + name)) {
            return new ScriptClass(module + "." + name);
        }
        return resolve(source, module, name);
    }

    /** The allowlisted global, or the refusal every other global gets. */
    static Global resolve(String source, String module, String name) throws TorchCheckpointException {
        Global g = ALLOWED.get(module + "\n" + name);
        if (g == null) {
            throw new TorchCheckpointException(source + ": unsafe pickle: " + printable(module + "." + name));
        }
        return g;
    }

    private Object run() throws TorchCheckpointException {
        while (true) {
            opStart = pos;
            int op = u8();
            switch (op) {
                case 0x80 -> { // PROTO
                    int protocol = u8();
                    if (protocol < 2 || protocol > 5) {
                        throw error("pickle protocol " + protocol + " is not supported (torch.save writes 2 to 5)");
                    }
                }
                case 0x95 -> { // FRAME: an 8-byte length hint; the frame's contents follow inline
                    long length = i64();
                    if (length < 0 || length > data.length - pos) {
                        throw error("FRAME of " + length + " bytes runs past the end of the pickle");
                    }
                }
                case '.' -> { // STOP
                    if (!marks.isEmpty()) {
                        throw error("STOP with an open MARK");
                    }
                    if (stack.size() != 1) {
                        throw error("STOP with " + stack.size() + " values on the stack, expected 1");
                    }
                    return stack.get(0);
                }
                case '(' -> { // MARK
                    marks.add(stack.size());
                    push(MARK);
                }
                case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
                case ']' -> push(new ArrayList<>()); // EMPTY_LIST
                case ')' -> push(new Tuple(List.of())); // EMPTY_TUPLE
                case 'N' -> push(NONE);
                case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                case 'J' -> push((long) slice(4).order(ByteOrder.LITTLE_ENDIAN).getInt()); // BININT
                case 'K' -> push((long) u8()); // BININT1
                case 'M' -> push((long) (slice(2).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF)); // BININT2
                case 0x8a -> push(long1()); // LONG1
                case 'G' -> push(slice(8).order(ByteOrder.BIG_ENDIAN).getDouble()); // BINFLOAT
                case 'X' -> push(utf8(u32())); // BINUNICODE
                case 0x8c -> push(utf8(u8())); // SHORT_BINUNICODE
                case 't' -> push(new Tuple(popMark())); // TUPLE
                case 0x85 -> push(new Tuple(popN(1))); // TUPLE1
                case 0x86 -> push(new Tuple(popN(2))); // TUPLE2
                case 0x87 -> push(new Tuple(popN(3))); // TUPLE3
                case 's' -> { // SETITEM
                    List<Object> kv = popN(2);
                    setItems(kv);
                }
                case 'u' -> setItems(popMark()); // SETITEMS
                case 'a' -> appendTo(popN(1)); // APPEND
                case 'e' -> appendTo(popMark()); // APPENDS
                case 'c' -> push(global(line(), line())); // GLOBAL
                case 0x93 -> { // STACK_GLOBAL
                    List<Object> names = popN(2);
                    if (!(names.get(0) instanceof String module) || !(names.get(1) instanceof String name)) {
                        throw error("STACK_GLOBAL needs two strings, got " + describe(names.get(0)) + " and "
                                + describe(names.get(1)));
                    }
                    push(global(module, name));
                }
                case 'R' -> { // REDUCE
                    List<Object> fa = popN(2);
                    push(reduce(fa.get(0), fa.get(1)));
                }
                case 0x81 -> { // NEWOBJ: cls.__new__(cls, *args), for a program's classes only
                    List<Object> ca = popN(2);
                    if (!(ca.get(0) instanceof ScriptClass type)) {
                        throw error("NEWOBJ of " + describe(ca.get(0)) + " with " + describe(ca.get(1)) + " is not supported");
                    }
                    push(new ScriptObject(type));
                }
                case 'b' -> { // BUILD
                    List<Object> os = popN(2);
                    build(os.get(0), os.get(1));
                    push(os.get(0));
                }
                case 'Q' -> push(persistent.load(popN(1).get(0), source + " at byte " + opStart)); // BINPERSID
                case 'q' -> memo.put((long) u8(), top()); // BINPUT
                case 'r' -> memo.put(u32(), top()); // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), top()); // MEMOIZE
                case 'h' -> push(memoGet(u8())); // BINGET
                case 'j' -> push(memoGet(u32())); // LONG_BINGET
                default -> throw error(String.format("unsupported pickle opcode 0x%02x", op));
            }
        }
    }

    // ---- opcode semantics ----------------------------------------------------------------------

    private Object reduce(Object callable, Object args) throws TorchCheckpointException {
        if (callable instanceof ScriptClass type) {
            return new ScriptObject(type); // build_intlist, torch.device, an enum …: inert, never run
        }
        if (!(callable instanceof Global g)) {
            throw error("REDUCE applies " + describe(callable) + ", which is not callable");
        }
        if (!(args instanceof Tuple a)) {
            throw error("REDUCE of " + g + " with " + describe(args) + " instead of an argument tuple");
        }
        return switch (g) {
            case ORDERED_DICT -> {
                if (a.size() != 0) {
                    throw error("collections.OrderedDict called with " + a.size() + " arguments; only () is supported");
                }
                yield new LinkedHashMap<>();
            }
            case REBUILD_TENSOR_V2 -> rebuildTensor(a);
            case REBUILD_QTENSOR -> {
                if (!program) {
                    throw error("quantised tensors (" + g + ") are not supported");
                }
                yield rebuildQuantised(a);
            }
            case REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE -> {
                int expected = g == Global.REBUILD_PARAMETER ? 3 : 4;
                if (a.size() != expected || !(a.get(0) instanceof TensorRef t) || !(a.get(1) instanceof Boolean)
                        || !emptyDict(a.get(2))) {
                    throw error(g + " expects (tensor, requires_grad, {}" + (expected == 4 ? ", state" : "")
                            + "), got " + describe(a));
                }
                yield t; // a Parameter is its tensor; requires_grad and state do not change the values
            }
            default -> throw error(g + " is not callable");
        };
    }

    /** {@code _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks[, metadata])}. */
    private TensorRef rebuildTensor(Tuple a) throws TorchCheckpointException {
        if (a.size() < 6 || a.size() > 7 || !(a.get(0) instanceof Storage storage) || !(a.get(1) instanceof Long offset)
                || !(a.get(2) instanceof Tuple size) || !(a.get(3) instanceof Tuple stride)
                || !(a.get(4) instanceof Boolean) || !emptyDict(a.get(5))) {
            throw error("torch._utils._rebuild_tensor_v2 expects (storage, offset, size, stride, requires_grad, {}), got "
                    + describe(a));
        }
        if (a.size() == 7 && !program && !(a.get(6) == NONE || emptyDict(a.get(6)))) {
            throw error("tensor metadata " + describe(a.get(6)) + " is not supported");
        }
        TensorRef ref = new TensorRef(storage, offset, longs(size, "size"), longs(stride, "stride"));
        if (program) {
            checkExtent(ref);
        }
        return ref;
    }

    /**
     * {@code _rebuild_qtensor(storage, offset, size, stride, quantizer_params, requires_grad,
     * backward_hooks)} of a program: a view of its storage like any other.
     */
    private TensorRef rebuildQuantised(Tuple a) throws TorchCheckpointException {
        if (a.size() < 4 || !(a.get(0) instanceof Storage storage) || !(a.get(1) instanceof Long offset)
                || !(a.get(2) instanceof Tuple size) || !(a.get(3) instanceof Tuple stride)) {
            throw error("torch._utils._rebuild_qtensor expects (storage, offset, size, stride, …), got " + describe(a));
        }
        TensorRef ref = new TensorRef(storage, offset, longs(size, "size"), longs(stride, "stride"));
        checkExtent(ref);
        return ref;
    }

    /**
     * A program's tensor may be any strided view, but every element it reaches must lie inside its
     * storage: libtorch does not check that when it loads a program, and reads past the storage.
     * (A state dict's tensors are checked by name, and more strictly, by {@link TorchCheckpoint}.)
     */
    private void checkExtent(TensorRef ref) throws TorchCheckpointException {
        long[] shape = ref.shape();
        long[] stride = ref.stride();
        if (shape.length != stride.length) {
            throw error("tensor with " + shape.length + " dimensions but " + stride.length + " strides");
        }
        long last = ref.offset();
        boolean empty = false;
        try {
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] < 0 || stride[i] < 0) {
                    throw error("tensor of shape " + Arrays.toString(shape) + " and stride " + Arrays.toString(stride)
                            + " has a negative size or stride");
                }
                empty |= shape[i] == 0;
                last = Math.addExact(last, Math.multiplyExact(Math.max(shape[i] - 1, 0), stride[i]));
            }
        } catch (ArithmeticException e) {
            throw error("tensor of shape " + Arrays.toString(shape) + " overflows");
        }
        if (ref.offset() < 0 || !empty && last >= ref.storage().numel()) {
            throw error("tensor of shape " + Arrays.toString(shape) + ", stride " + Arrays.toString(stride)
                    + " and offset " + ref.offset() + " reaches element " + last + " of storage '"
                    + printable(ref.storage().key()) + "', which has " + ref.storage().numel());
        }
    }

    private long[] longs(Tuple t, String what) throws TorchCheckpointException {
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(t.get(i) instanceof Long v)) {
                throw error("tensor " + what + " " + describe(t) + " holds a non-integer");
            }
            out[i] = v;
        }
        return out;
    }

    /**
     * BUILD sets instance attributes: a state dict's {@code _metadata} (on an OrderedDict), or a
     * program object's attributes; both are accepted and ignored.
     */
    private void build(Object target, Object state) throws TorchCheckpointException {
        if (program) {
            return; // a program object's attributes: the tensors among them were checked as they were built
        }
        if (!(target instanceof LinkedHashMap<?, ?>) || !(state == NONE || state instanceof Map<?, ?>)) {
            throw error("BUILD of " + describe(target) + " with " + describe(state) + " is not supported");
        }
    }

    private void setItems(List<Object> kv) throws TorchCheckpointException {
        if (kv.size() % 2 != 0) {
            throw error("SETITEMS with an odd number (" + kv.size() + ") of keys and values");
        }
        @SuppressWarnings("unchecked")
        Map<Object, Object> dict = stack.isEmpty() || !(top() instanceof LinkedHashMap<?, ?>) ? null
                : (Map<Object, Object>) top();
        if (dict == null) {
            throw error("SETITEM on " + (stack.isEmpty() ? "an empty stack" : describe(top())) + ", not a dict");
        }
        for (int i = 0; i < kv.size(); i += 2) {
            Object key = kv.get(i);
            // Scalars only: tuple keys would make hashing recursive (deeply nested or cyclic via a
            // list inside), and a state dict never has them.
            if (!(key instanceof String || key instanceof Long || key instanceof Boolean || key instanceof Double
                    || key == NONE)) {
                throw error("dict key " + describe(key) + " is not supported (only str, int, float, bool, None)");
            }
            dict.put(key, kv.get(i + 1));
        }
    }

    private void appendTo(List<Object> items) throws TorchCheckpointException {
        if (stack.isEmpty() || !(top() instanceof ArrayList<?>)) {
            throw error("APPEND on " + (stack.isEmpty() ? "an empty stack" : describe(top())) + ", not a list");
        }
        @SuppressWarnings("unchecked")
        List<Object> list = (List<Object>) top();
        list.addAll(items);
    }

    private Object memoGet(long index) throws TorchCheckpointException {
        Object v = memo.get(index);
        if (v == null) {
            throw error("memo entry " + index + " was never stored");
        }
        return v;
    }

    private static boolean emptyDict(Object o) {
        return o instanceof Map<?, ?> m && m.isEmpty();
    }

    // ---- stack ---------------------------------------------------------------------------------

    private void push(Object o) {
        stack.add(o);
    }

    private Object top() throws TorchCheckpointException {
        if (stack.isEmpty()) {
            throw error("the stack is empty");
        }
        Object o = stack.get(stack.size() - 1);
        if (o == MARK) {
            throw error("a MARK is not a value");
        }
        return o;
    }

    /** Pops n values, none of which may be a MARK; returned in stack order. */
    private List<Object> popN(int n) throws TorchCheckpointException {
        int from = stack.size() - n;
        int lastMark = marks.isEmpty() ? -1 : marks.get(marks.size() - 1);
        if (from < 0 || from <= lastMark) {
            throw error("needs " + n + " value(s) on the stack" + (from >= 0 ? " above the last MARK" : ""));
        }
        List<Object> sub = stack.subList(from, stack.size());
        List<Object> out = new ArrayList<>(sub);
        sub.clear();
        return out;
    }

    /** Pops everything above the last MARK, and the MARK. */
    private List<Object> popMark() throws TorchCheckpointException {
        if (marks.isEmpty()) {
            throw error("no MARK to pop to");
        }
        int mark = marks.remove(marks.size() - 1);
        List<Object> sub = stack.subList(mark + 1, stack.size());
        List<Object> out = new ArrayList<>(sub);
        stack.subList(mark, stack.size()).clear();
        return out;
    }

    // ---- input ---------------------------------------------------------------------------------

    private void need(long n) throws TorchCheckpointException {
        if (n > data.length - pos) {
            throw new TorchCheckpointException(source + ": pickle ends inside the opcode at byte " + opStart
                    + " (needs " + n + " more bytes, " + (data.length - pos) + " left)");
        }
    }

    private int u8() throws TorchCheckpointException {
        need(1);
        return data[pos++] & 0xFF;
    }

    private ByteBuffer slice(int n) throws TorchCheckpointException {
        need(n);
        ByteBuffer b = ByteBuffer.wrap(data, pos, n).slice();
        pos += n;
        return b;
    }

    private long u32() throws TorchCheckpointException {
        return slice(4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFF_FFFFL;
    }

    private long i64() throws TorchCheckpointException {
        return slice(8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** LONG1: a little-endian two's complement integer of up to 8 bytes (larger ones do not occur in state dicts). */
    private long long1() throws TorchCheckpointException {
        int n = u8();
        if (n > 8) {
            throw error("LONG1 of " + n + " bytes does not fit 64 bits");
        }
        need(n);
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = (v << 8) | (data[pos + i] & 0xFF);
        }
        if (n > 0 && n < 8 && (data[pos + n - 1] & 0x80) != 0) {
            v |= -1L << (8 * n); // sign-extend
        }
        pos += n;
        return v;
    }

    private String utf8(long length) throws TorchCheckpointException {
        need(length);
        int n = (int) length;
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(data, pos, n))
                    .toString();
            pos += n;
            return s;
        } catch (CharacterCodingException e) {
            throw new TorchCheckpointException(source + ": string at byte " + opStart + " is not valid UTF-8", e);
        }
    }

    /** A GLOBAL operand: text up to a newline, within the input. */
    private String line() throws TorchCheckpointException {
        int end = pos;
        while (end < data.length && data[end] != '\n') {
            end++;
        }
        if (end == data.length) {
            throw new TorchCheckpointException(source + ": pickle ends inside the GLOBAL at byte " + opStart);
        }
        String s = utf8(end - pos);
        pos++; // the newline
        return s;
    }

    // ---- messages ------------------------------------------------------------------------------

    private TorchCheckpointException error(String message) {
        return new TorchCheckpointException(source + ": corrupt or unsupported pickle at byte " + opStart + ": " + message);
    }

    /** A short, printable description of a value for messages (never its full contents). */
    static String describe(Object o) {
        String s;
        if (o == NONE) {
            s = "None";
        } else if (o instanceof String str) {
            s = "'" + str + "'";
        } else if (o instanceof Tuple t) {
            List<String> parts = new ArrayList<>();
            for (Object item : t.items()) {
                parts.add(item instanceof Tuple || item instanceof Map<?, ?> || item instanceof List<?>
                        ? typeName(item) : describe(item));
            }
            s = "(" + String.join(", ", parts) + (t.size() == 1 ? ",)" : ")");
        } else if (o instanceof TensorRef t) {
            s = "tensor" + Arrays.toString(t.shape());
        } else if (o instanceof Long || o instanceof Boolean || o instanceof Double || o instanceof Global
                || o instanceof ScriptClass) {
            s = String.valueOf(o);
        } else {
            s = typeName(o);
        }
        return printable(s);
    }

    private static String typeName(Object o) {
        if (o instanceof Map<?, ?> m) {
            return "dict of " + m.size();
        }
        if (o instanceof List<?> l) {
            return "list of " + l.size();
        }
        if (o instanceof Tuple t) {
            return "tuple of " + t.size();
        }
        if (o instanceof Storage s) {
            return "storage '" + s.key() + "'";
        }
        if (o instanceof ScriptObject obj) {
            return obj.type() + " object";
        }
        return o == MARK ? "MARK" : o.getClass().getSimpleName();
    }

    /** At most 200 characters, control characters escaped, so a hostile name cannot flood or forge log lines. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 200; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7F) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (b.length() >= 200) {
            b.append("...");
        }
        return b.toString();
    }
}
