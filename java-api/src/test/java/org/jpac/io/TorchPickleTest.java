package org.jpac.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.jpac.io.TorchPickle.Bytes;
import org.jpac.io.TorchPickle.Limits;
import org.jpac.io.TorchPickle.PySet;
import org.jpac.io.TorchPickle.Tuple;
import org.jpac.io.TorchPickle.UnsafePickleException;
import org.junit.jupiter.api.Test;

/** The restricted unpickler: plain data in every protocol, refusal of globals, hostile input. */
class TorchPickleTest {

    /**
     * pickle.dumps({'a': [1, -2, 2**40, 2**70, -2**70, 300, 70000, -1], 'b': (1.5, True, None, False),
     * 'c': b'xy', 'e': 'ün\u00ef\U0001F600', 'f': [], 'g': ()} (+ 's': {3}, 'fs': frozenset([4]) from
     * protocol 4, + 'ba': bytearray(b'z') in protocol 5), written by CPython 3.
     */
    private static final String[] PY = {
        "80027d71002858010000006171015d7102284b014afeffffff8a060000000000018a090000000000000000408a0900000000"
            + "00000000c04d2c014a701101004affffffff65580100000062710328473ff8000000000000884e8974710458010000006371"
            + "05635f636f646563730a656e636f64650a710658020000007879710758060000006c6174696e31710886710952710a580100"
            + "000065710b5809000000c3bc6ec3aff09f9880710c580100000066710d5d710e580100000067710f29752e",
        "80037d71002858010000006171015d7102284b014afeffffff8a060000000000018a090000000000000000408a0900000000"
            + "00000000c04d2c014a701101004affffffff65580100000062710328473ff8000000000000884e8974710458010000006371"
            + "0543027879710658010000006571075809000000c3bc6ec3aff09f9880710858010000006671095d710a580100000067710b"
            + "29752e",
        "8004958a000000000000007d94288c0161945d94284b014afeffffff8a060000000000018a090000000000000000408a0900"
            + "00000000000000c04d2c014a701101004affffffff658c01629428473ff8000000000000884e8974948c0163944302787994"
            + "8c0165948c09c3bc6ec3aff09f9880948c0166945d948c016794298c0173948f94284b03908c02667394284b049194752e",
        "8005959a000000000000007d94288c0161945d94284b014afeffffff8a060000000000018a090000000000000000408a0900"
            + "00000000000000c04d2c014a701101004affffffff658c01629428473ff8000000000000884e8974948c0163944302787994"
            + "8c0165948c09c3bc6ec3aff09f9880948c0166945d948c016794298c0173948f94284b03908c02667394284b0491948c0262"
            + "61949601000000000000007a94752e",
    };

    @Test
    void readsPlainDataInProtocols2To5() throws IOException {
        for (int p = 0; p < PY.length; p++) {
            int proto = p + 2;
            Object v = TorchPickle.loads(HexFormat.of().parseHex(PY[p]));
            Map<?, ?> m = assertInstanceOf(Map.class, v, "protocol " + proto);
            List<?> a = assertInstanceOf(List.class, m.get("a"));
            BigInteger two70 = BigInteger.TWO.pow(70);
            assertEquals(List.of(1L, -2L, 1L << 40, two70, two70.negate(), 300L, 70000L, -1L), a);
            Tuple b = assertInstanceOf(Tuple.class, m.get("b"));
            assertEquals(1.5, b.get(0));
            assertEquals(Boolean.TRUE, b.get(1));
            assertSame(TorchPickle.NONE, b.get(2));
            assertEquals(Boolean.FALSE, b.get(3));
            assertArrayEquals("xy".getBytes(StandardCharsets.US_ASCII),
                    assertInstanceOf(Bytes.class, m.get("c")).data(), "protocol " + proto);
            assertEquals("\u00fcn\u00ef\uD83D\uDE00", m.get("e"));
            assertEquals(List.of(), m.get("f"));
            assertEquals(0, assertInstanceOf(Tuple.class, m.get("g")).size());
            if (proto >= 4) {
                assertEquals(List.of(3L), assertInstanceOf(PySet.class, m.get("s")).items());
                assertEquals(List.of(4L), assertInstanceOf(PySet.class, m.get("fs")).items());
            }
            if (proto >= 5) {
                assertArrayEquals(new byte[] {'z'}, assertInstanceOf(Bytes.class, m.get("ba")).data());
            }
        }
    }

    @Test
    void readsProtocol0TextNumbersAndMemo() throws IOException {
        // (I7\nI01\nL123456789012345678901234567890L\nF-2.5\ntp0\n0g0\n.
        byte[] b = ("(I7\nI01\nL123456789012345678901234567890L\nF-2.5\ntp0\n0g0\n.")
                .getBytes(StandardCharsets.US_ASCII);
        Tuple t = assertInstanceOf(Tuple.class, TorchPickle.loads(b));
        assertEquals(7L, t.get(0));
        assertEquals(Boolean.TRUE, t.get(1));
        assertEquals(new BigInteger("123456789012345678901234567890"), t.get(2));
        assertEquals(-2.5, t.get(3));
    }

    /** GLOBAL 'os' 'system' + REDUCE: the classic payload. */
    static byte[] osSystem() {
        return new PickleBuilder().proto(2).global("os", "system").str("echo pwned").op(0x85).op('R').stop()
                .bytes();
    }

    @Test
    void refusesOsSystem() {
        UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> TorchPickle.loads(osSystem()));
        assertEquals("pickle: refusing to load: the file references global os.system, which a state dict never needs",
                e.getMessage());
        assertEquals("os.system", e.global());
    }

    @Test
    void refusesOtherGlobalsWhereverTheyAppear() {
        // STACK_GLOBAL (protocol 4)
        byte[] sg = new PickleBuilder().proto(4).op(0x8c, 8).raw("builtins".getBytes(StandardCharsets.US_ASCII))
                .op(0x8c, 4).raw("eval".getBytes(StandardCharsets.US_ASCII)).op(0x93).str("1+1").op(0x85).op('R')
                .stop().bytes();
        UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> TorchPickle.loads(sg));
        assertTrue(e.getMessage().contains("global builtins.eval,"), e.getMessage());
        // a torch function that is not a state-dict one
        byte[] q = new PickleBuilder().proto(2).global("torch._utils", "_rebuild_qtensor").op(')').op('R').stop()
                .bytes();
        e = assertThrows(UnsafePickleException.class, () -> TorchPickle.loads(q));
        assertTrue(e.getMessage().contains("torch._utils._rebuild_qtensor"), e.getMessage());
        // hidden as a value inside an otherwise normal dict, never called
        byte[] hidden = new PickleBuilder().proto(2).op('}').mark().str("w").global("subprocess", "Popen").op('u')
                .stop().bytes();
        e = assertThrows(UnsafePickleException.class, () -> TorchPickle.loads(hidden));
        assertTrue(e.getMessage().contains("subprocess.Popen"), e.getMessage());
        // control characters in the name are escaped in the message
        byte[] odd = new PickleBuilder().proto(2).global("os\u001b[2J", "x").stop().bytes();
        e = assertThrows(UnsafePickleException.class, () -> TorchPickle.loads(odd));
        assertTrue(e.getMessage().contains("os\\u001b[2J.x"), e.getMessage());
        // allowed globals cannot be abused: a storage type is not callable
        byte[] call = new PickleBuilder().proto(2).global("torch", "FloatStorage").op(')').op('R').stop().bytes();
        IOException io = assertThrows(IOException.class, () -> TorchPickle.loads(call));
        assertTrue(io.getMessage().contains("not callable"), io.getMessage());
    }

    private static void malformed(String why, byte[] b, String expect) {
        IOException e = assertThrows(IOException.class, () -> TorchPickle.loads(b), why);
        assertTrue(e.getMessage().contains(expect), why + ": " + e.getMessage());
    }

    @Test
    void rejectsLyingLengthsAndBadStructure() {
        malformed("BINUNICODE length 4G", new PickleBuilder().proto(2).op('X', 0xff, 0xff, 0xff, 0xff, 'a').stop()
                .bytes(), "exceeds the limit");
        malformed("BINUNICODE length past end", new PickleBuilder().proto(2).op('X', 100, 0, 0, 0, 'a').bytes(),
                "truncated");
        malformed("BINBYTES8 2^62", new PickleBuilder().proto(4).op(0x8e, 0, 0, 0, 0, 0, 0, 0, 0x40).bytes(),
                "exceeds the limit");
        malformed("BINUNICODE8 negative", new PickleBuilder().proto(4).op(0x8d, 0, 0, 0, 0, 0, 0, 0, 0x80).bytes(),
                "negative length");
        malformed("LONG4 negative", new PickleBuilder().proto(2).op(0x8b, 0, 0, 0, 0x80).bytes(), "negative");
        malformed("FRAME past end", new PickleBuilder().proto(4).op(0x95, 0, 0, 0, 1, 0, 0, 0, 0).bytes(),
                "runs past the end");
        malformed("LONG_BINPUT 4G", new PickleBuilder().proto(2).op('N').op('r', 0xff, 0xff, 0xff, 0xff).stop()
                .bytes(), "memo index");
        malformed("GET undefined", new PickleBuilder().proto(2).op('h', 7).stop().bytes(), "never stored");
        malformed("pop empty", new PickleBuilder().proto(2).op('0').bytes(), "stack underflow");
        malformed("pop below mark", new PickleBuilder().proto(2).op('N').mark().op('a').bytes(), "stack underflow");
        malformed("stop on empty", new PickleBuilder().proto(2).stop().bytes(), "stack underflow");
        malformed("no stop", new PickleBuilder().proto(2).op('N').bytes(), "truncated");
        malformed("empty input", new byte[0], "truncated");
        malformed("unknown opcode", new byte[] {(byte) 0x80, 2, (byte) 0xff}, "unknown opcode 0xff");
        malformed("protocol 6", new byte[] {(byte) 0x80, 6, 'N', '.'}, "unsupported pickle protocol 6");
        malformed("append to dict", new PickleBuilder().proto(2).op('}').op('N').op('a').stop().bytes(),
                "expected a list");
        malformed("setitem on list", new PickleBuilder().proto(2).op(']').op('N').op('N').op('s').stop().bytes(),
                "expected a dict");
        malformed("odd setitems", new PickleBuilder().proto(2).op('}').mark().op('N').op('u').stop().bytes(),
                "odd number");
        malformed("list as dict key", new PickleBuilder().proto(2).op('}').op(']').op('N').op('s').stop().bytes(),
                "dict key of type list");
        malformed("bad utf-8", new PickleBuilder().proto(2).op('X', 2, 0, 0, 0, 0xc3, 0x28).stop().bytes(),
                "UTF-8");
        malformed("REDUCE on a string", new PickleBuilder().proto(2).str("f").op(')').op('R').stop().bytes(),
                "not callable");
        malformed("INST", new PickleBuilder().proto(2).op('i').raw("a\nb\n".getBytes(StandardCharsets.US_ASCII))
                .stop().bytes(), "class instances");
        malformed("persistent id not a tuple", new PickleBuilder().proto(2).str("x").op('Q').stop().bytes(),
                "persistent id");
        malformed("pickled module", new PickleBuilder().proto(2).mark().str("module").op('t').op('Q').stop()
                .bytes(), "whole pickled nn.Module");
        malformed("tensor with a huge rank", new PickleBuilder().proto(2).global("torch._utils", "_rebuild_tensor")
                .mark().mark().str("storage").global("torch", "FloatStorage").str("0").str("cpu").integer(1)
                .op('t').op('Q').integer(0).tuple(new long[65]).tuple(new long[65]).op('t').op('R').stop().bytes(),
                "more than 64");
        malformed("negative stride", new PickleBuilder().proto(2).global("torch._utils", "_rebuild_tensor")
                .mark().mark().str("storage").global("torch", "FloatStorage").str("0").str("cpu").integer(1)
                .op('t').op('Q').integer(0).tuple(1).tuple(-1).op('t').op('R').stop().bytes(),
                "non-negative");
        malformed("storage view outside", new PickleBuilder().proto(2).mark().str("storage")
                .global("torch", "FloatStorage").str("0").str("cpu").integer(4).mark().str("v").integer(3)
                .integer(2).op('t').op('t').op('Q').stop().bytes(), "lies outside");
    }

    @Test
    void boundsStackMemoMarksAndObjects() {
        Limits small = new Limits(1000, 1000, 5000, 50, 1 << 20);
        PickleBuilder stack = new PickleBuilder().proto(2);
        for (int i = 0; i < 2000; i++) {
            stack.op('N');
        }
        IOException e = assertThrows(IOException.class, () -> TorchPickle.loads(stack.stop().bytes(), small));
        assertTrue(e.getMessage().contains("stack exceeds 1000"), e.getMessage());
        PickleBuilder marks = new PickleBuilder().proto(2);
        for (int i = 0; i < 100; i++) {
            marks.mark();
        }
        e = assertThrows(IOException.class, () -> TorchPickle.loads(marks.stop().bytes(), small));
        assertTrue(e.getMessage().contains("marks nested deeper than 50"), e.getMessage());
        PickleBuilder objects = new PickleBuilder().proto(2).op(']');
        for (int i = 0; i < 6000; i++) {
            objects.op(']').op('a');
        }
        e = assertThrows(IOException.class, () -> TorchPickle.loads(objects.stop().bytes(), small));
        assertTrue(e.getMessage().contains("more than 5000 objects"), e.getMessage());
        e = assertThrows(IOException.class, () -> TorchPickle.loads(
                new PickleBuilder().proto(2).op('N').op('r', 0xe8, 3, 0, 0).stop().bytes(), small));
        assertTrue(e.getMessage().contains("memo index 1000"), e.getMessage());
    }

    @Test
    void deepAndCyclicStructuresDoNotRecurse() throws IOException {
        // 200k nested lists: [[[[...]]]] built with APPEND; no recursion anywhere.
        PickleBuilder p = new PickleBuilder().proto(2).op(']');
        for (int i = 0; i < 200_000; i++) {
            p.op(']').op('a');
        }
        assertInstanceOf(List.class, TorchPickle.loads(p.stop().bytes()));
        // a list containing itself (through the memo), then used as a dict value and as a key
        byte[] cyclic = new PickleBuilder().proto(2).op(']').op('q', 0).op('h', 0).op('a').op('}').str("k")
                .op('h', 0).op('s').stop().bytes();
        assertInstanceOf(Map.class, TorchPickle.loads(cyclic));
        byte[] cyclicKey = new PickleBuilder().proto(2).op(']').op('q', 0).op('h', 0).op('a').op('}').op('h', 0)
                .op('N').op('s').stop().bytes();
        assertThrows(IOException.class, () -> TorchPickle.loads(cyclicKey));
    }

    @Test
    void randomCorruptionOnlyEverGivesIOException() {
        Random r = new Random(7);
        byte[][] seeds = new byte[PY.length + 1][];
        for (int i = 0; i < PY.length; i++) {
            seeds[i] = HexFormat.of().parseHex(PY[i]);
        }
        seeds[PY.length] = PickleBuilder.stateDictPickle(TorchLoaderTest.specs(false), true);
        int rejected = 0;
        for (int it = 0; it < 20_000; it++) {
            byte[] b = seeds[r.nextInt(seeds.length)].clone();
            int flips = 1 + r.nextInt(4);
            for (int k = 0; k < flips; k++) {
                b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            }
            if (r.nextInt(4) == 0) {
                b = java.util.Arrays.copyOf(b, r.nextInt(b.length));
            }
            try {
                TorchPickle.loads(b);
            } catch (IOException expected) {
                rejected++;
            } catch (RuntimeException | Error e) {
                fail("input " + HexFormat.of().formatHex(b) + " threw " + e, e);
            }
        }
        assertTrue(rejected > 1000, "only " + rejected + " corrupted pickles were rejected");
    }
}
