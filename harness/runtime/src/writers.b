// cintcheck's BCPL half of the run-time library: the library functions
// that call other library functions, written so that every such call goes
// through the global vector as in the real system (runtime.md s.0.11,
// s.6.8). A program that replaces wrch (G41), writed (G85), rdch (G38), ...
// therefore changes what writef, writes, readn, ... do, exactly as with
// cintsys64.
//
// writers.sial and writers.cin64 beside this file are this source compiled
// by the real compiler (64-bit Sial with bcpl2sial, 64-bit Cintcode with
// `bcpl writers.b to writers.cin64 t64`); the loaders link them after
// prelude.sial and prelude.cin. Regenerate both after a change (a test
// checks that they agree when the real compiler is available).
//
// Each function first asks the host to do the whole job
// (sys(lib_fast, g, argv, @res)). The host does it only while none of the
// library globals the function would call, directly or not, has been
// replaced (it compares them with their values after loading the library);
// then the result is the same as the calls below would give, only faster. Otherwise the BCPL below runs:
// leaf writers get their bytes from the host's formatter (sys(lib_format,
// ...) then sys(lib_next) per byte) and send each through wrch; the others
// call the library globals the spec names.

SECTION "writers"

GLOBAL {
  sys:3; rootnode:9; result2:10; cos:13
  sawrch:37; rdch:38; unrdch:40; wrch:41; binwrch:42; deplete:43
  writeflt:73; readn:83; newline:84; writed:85; writen:86
  writehex:87; writeoct:88; writes:89; writet:90; writeu:91
  writez:92; get_text:93; writef:94; sawritef:95
  newpage:120; codewrch:126; writee:180
}

MANIFEST {
  lib_fast = #x0C1C0002    // sys(lib_fast, g, argv, resp): TRUE if done
  lib_format = #x0C1C0003  // sys(lib_format, g, argv): capture g's bytes
  lib_next = #x0C1C0004    // sys(lib_next): next captured byte, or -1
  lib_strok = #x0C1C0005   // sys(lib_strok, s): s is a string in memory
  lib_len = #x0C1C0006     // sys(lib_len, s): s%0, or 0 outside memory
  lib_store = #x0C1C0007   // sys(lib_store, ch): store in cos; TRUE: console
}

// The bytes the host's version of library global g writes for the
// arguments at argv, each sent through wrch.
LET emit(g, argv) BE
{ sys(lib_format, g, argv)
  { LET ch = sys(lib_next)
    IF ch < 0 RETURN
    wrch(ch)
  } REPEAT
}

// wrch(ch): store the byte; on the console (an interactive stream) a
// newline is followed by a wrch(13) made through G41, and a newline or form
// feed by deplete(cos) (runtime.md s.1.1).
LET wrch(ch) = VALOF
{ LET res = 0
  IF sys(lib_fast, 41, @ch, @res) RESULTIS res
  UNLESS sys(lib_store, ch) & ch < 32 RESULTIS TRUE
  IF ch = '*n' DO wrch('*c')
  IF ch = '*n' | ch = '*p' RESULTIS deplete(cos)
  RESULTIS TRUE
}

LET newline() = wrch('*n')

LET newpage() = wrch('*p')

LET binwrch(ch) = wrch(ch | 256)

LET writes(s) = VALOF
{ LET res = 0
  IF sys(lib_fast, 89, @s, @res) RESULTIS res
  emit(89, @s)
  RESULTIS TRUE
}

LET writed(n, d) = VALOF
{ LET res = 0
  IF sys(lib_fast, 85, @n, @res) RESULTIS res
  emit(85, @n)
  RESULTIS TRUE
}

LET writez(n, d) = VALOF
{ LET res = 0
  IF sys(lib_fast, 92, @n, @res) RESULTIS res
  emit(92, @n)
  RESULTIS TRUE
}

LET writehex(n, d) = VALOF
{ LET res = 0
  IF sys(lib_fast, 87, @n, @res) RESULTIS res
  emit(87, @n)
  RESULTIS TRUE
}

LET writeoct(n, d) = VALOF
{ LET res = 0
  IF sys(lib_fast, 88, @n, @res) RESULTIS res
  emit(88, @n)
  RESULTIS TRUE
}

LET codewrch(code) = VALOF
{ LET res = 0
  IF sys(lib_fast, 126, @code, @res) RESULTIS res
  emit(126, @code)
  RESULTIS 0
}

LET writeflt(x, w, p) = VALOF
{ LET res = 0
  IF sys(lib_fast, 73, @x, @res) RESULTIS res
  emit(73, @x)
  RESULTIS 0
}

LET writee(x, w, p) = VALOF
{ LET res = 0
  IF sys(lib_fast, 180, @x, @res) RESULTIS res
  emit(180, @x)
  RESULTIS 0
}

// writen(n) = writed(n, 0).
LET writen(n) = VALOF
{ LET res = 0
  IF sys(lib_fast, 86, @n, @res) RESULTIS res
  writed(n, 0)
  RESULTIS TRUE
}

// writet(s, d): writes(s), then d - s%0 spaces.
LET writet(s, d) = VALOF
{ LET res = 0
  IF sys(lib_fast, 90, @s, @res) RESULTIS res
  writes(s)
  FOR i = 1 TO d - sys(lib_len, s) DO wrch('*s')
  RESULTIS TRUE
}

// writeu(n, d): n as an unsigned number, through writed.
LET writeu(n, d) = VALOF
{ LET res, m = 0, 0
  IF sys(lib_fast, 91, @n, @res) RESULTIS res
  m := (n >> 1) / 5
  IF m ~= 0 DO
  { writed(m, d - 1)
    d := 1
  }
  writed(n - 10 * m, d)
  RESULTIS TRUE
}

// readn(): a decimal number read with rdch, ended by unrdch.
LET readn() = VALOF
{ LET res, sum, ch, neg = 0, 0, 0, FALSE
  IF sys(lib_fast, 83, @res, @res) RESULTIS res
  { ch := rdch()
    IF '0' <= ch <= '9' BREAK
    IF ch = '*s' | ch = '*t' | ch = '*n' LOOP
    IF ch = '-' | ch = '+' DO
    { neg := ch = '-'
      ch := rdch()
      BREAK
    }
    unrdch()
    result2 := -1
    RESULTIS 0
  } REPEAT
  WHILE '0' <= ch <= '9' DO
  { sum := 10 * sum + ch - '0'
    ch := rdch()
  }
  IF neg DO sum := -sum
  unrdch()
  result2 := 0
  RESULTIS sum
}

LET upper(c) = 'a' <= c <= 'z' -> c - 32, c

// The width character after %I, %X, ...: 0-9, or 10 + c - 'A'.
LET widthch(c) = VALOF
{ c := upper(c)
  IF '0' <= c <= '9' RESULTIS c - '0'
  RESULTIS 10 + c - 'A'
}

// The shared core of writed and writez, with the sign given separately
// (the fixed-point %n.mD form needs that).
LET writedz(n, d, zeroes, neg) BE
{ LET t = VEC 24
  LET i, k = 0, -n
  IF neg DO
  { d := d - 1
    k := n
  }
  { t!i := -(k REM 10)
    k := k / 10
    i := i + 1
  } REPEATUNTIL k = 0
  IF neg & zeroes DO wrch('-')
  FOR j = i + 1 TO d DO wrch(zeroes -> '0', '*s')
  IF neg & ~zeroes DO wrch('-')
  FOR j = i - 1 TO 0 BY -1 DO wrch(t!j + '0')
}

// %b: the low max(d,1) bits (writebin has no global).
LET writebin(n, d) BE
{ IF d < 1 DO d := 1
  FOR i = d - 1 TO 0 BY -1 DO
    wrch(i >= 64 -> '0', '0' + ((n >> i) & 1))
}

// Process format with the argument pointer !ap (shared with nested %f
// and %m formats), as runtime.md s.1.3 describes.
LET format(fmt, ap) BE
{ LET buf = VEC 32
  LET p, len = 1, 0
  UNLESS sys(lib_strok, fmt) DO fmt := "##Bad format##"
  len := fmt%0
  WHILE p <= len DO
  { LET k, type, arg, n, m, given = fmt%p, 0, 0, 0, 0, FALSE
    p := p + 1
    UNLESS k = '%' DO
    { wrch(k)
      LOOP
    }
    type := fmt%p
    arg := !(!ap)
    IF '0' <= type <= '9' DO
    { WHILE '0' <= type <= '9' DO
      { n := 10 * n + type - '0'
        p := p + 1
        type := fmt%p
      }
      given := TRUE
      IF type = '.' DO
      { p := p + 1
        type := fmt%p
        WHILE '0' <= type <= '9' DO
        { m := 10 * m + type - '0'
          p := p + 1
          type := fmt%p
        }
      }
    }
    SWITCHON upper(type) INTO
    { DEFAULT:
        wrch(type)
        ENDCASE

      CASE 'D':
        IF given DO
        { LET scale = 1
          FOR i = 1 TO (m < 70 -> m, 70) DO scale := scale * 10
          writedz(arg / scale, n - 1 - m, FALSE, arg < 0)
          wrch('.')
          writez(ABS (arg REM scale), m)
          !ap := !ap + 1
          ENDCASE
        }
      CASE 'I': CASE 'T': CASE 'O': CASE 'X':
      CASE 'U': CASE 'Z': CASE 'B':
        UNLESS given DO
        { p := p + 1
          n := widthch(fmt%p)
        }
        SWITCHON upper(type) INTO
        { CASE 'D': CASE 'I': writed(arg, n);   ENDCASE
          CASE 'T':           writet(arg, n);   ENDCASE
          CASE 'O':           writeoct(arg, n); ENDCASE
          CASE 'X':           writehex(arg, n); ENDCASE
          CASE 'U':           writeu(arg, n);   ENDCASE
          CASE 'Z':           writez(arg, n);   ENDCASE
          CASE 'B':           writebin(arg, n); ENDCASE
        }
        !ap := !ap + 1
        ENDCASE

      CASE 'S': writes(arg);   !ap := !ap + 1; ENDCASE
      CASE 'C': wrch(arg);     !ap := !ap + 1; ENDCASE
      CASE '#': codewrch(arg); !ap := !ap + 1; ENDCASE
      CASE 'N': writen(arg);   !ap := !ap + 1; ENDCASE

      CASE '$': CASE '+':
        !ap := !ap + 1
        ENDCASE

      CASE '-':
        !ap := !ap - 1
        ENDCASE

      CASE 'M':
        !ap := !ap + 1
        get_text(arg, buf, 32)
        format(buf, ap)
        ENDCASE

      CASE 'E':
        !ap := !ap + 1
        writee(arg, n, m)
        ENDCASE

      CASE 'F':
        !ap := !ap + 1
        TEST given THEN writeflt(arg, n, m) ELSE format(arg, ap)
        ENDCASE

      CASE 'P':
      { LET plural = arg ~= 1
        LET t = 0
        !ap := !ap + 1
        p := p + 1
        t := fmt%p
        TEST t = '\' THEN
        { LET skipping = plural
          p := p + 1
          WHILE p <= len DO
          { LET ch = fmt%p
            p := p + 1
            TEST ch = '\' THEN
            { skipping := ~skipping
              IF skipping = plural BREAK
            } ELSE UNLESS skipping DO wrch(ch)
          }
          LOOP
        } ELSE IF plural DO wrch(t)
        ENDCASE
      }
    }
    p := p + 1
  }
}

// writef(format, a, ..., z): result2 is left as it was and returned.
LET writef(fmt, a, b, c, d, e, f, g, h, i, j, k, l, m,
                n, o, p, q, r, s, t, u, v, w, x, y, z) = VALOF
{ LET res, r2, ap = 0, result2, @a
  IF sys(lib_fast, 94, @fmt, @res) RESULTIS res
  format(fmt, @ap)
  result2 := r2
  RESULTIS r2
}

// sawritef: writef with wrch replaced by sawrch for the call.
LET sawritef(fmt, a, b, c, d, e, f, g, h, i, j, k, l, m,
                  n, o, p, q, r, s, t, u, v, w, x, y, z) = VALOF
{ LET res, old = 0, wrch
  IF sys(lib_fast, 95, @fmt, @res) RESULTIS res
  wrch := sawrch
  res := writef(fmt, a, b, c, d, e, f, g, h, i, j, k, l, m,
                     n, o, p, q, r, s, t, u, v, w, x, y, z)
  wrch := old
  RESULTIS res
}
