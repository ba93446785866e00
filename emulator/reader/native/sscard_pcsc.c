/*
 * sscard_pcsc: a small native implementation of the standard terminal interface
 * (社会保障卡读写终端接口, card-spec §3) over PC/SC (libpcsclite).
 *
 * It exists to prove the ctypes target path (emulator/reader/native.py) with a real
 * shared library: the tests compile it, serve emulated cards through pcscd and run
 * the reader checks against it. Strings are GBK: this file is UTF-8 and is compiled
 * with -fexec-charset=GBK (see emulator/reader/native_build.py).
 *
 * Scope (docs/reader.md): iReadCardBas in PSAM mode with the virtual PSAM in the
 * reader named by SSCARD_PSAM_READER (-2201 without it, and terminals fall back to
 * iReadCardBas_HSM_Step1/Step2); iVerifyPIN
 * and iChangePIN take PINs from a PIN source set with iSetPinSource (our extension:
 * a real reader has a PIN pad); iReloadPIN_HSM_Step1/2/3 as in docs/reader.md.
 *
 * Reader selection: SSCARD_READER (contact) and SSCARD_CL_READER (contactless) hold a
 * reader index in the PC/SC list or a prefix of its name; the contact reader
 * defaults to index 0.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <winscard.h>

#define OUT_MAX 1024 /* callers pass buffers of at least this size (docs/reader.md) */
#define SW_OK 0x9000

typedef int (*pin_source_fn)(const char *prompt, char *pin, int size);

static const unsigned char SSSE_AID[] = {0x73, 0x78, 0x31, 0x2E, 0x73, 0x68, 0x2E, 0xC9,
                                         0xE7, 0xBB, 0xE1, 0xB1, 0xA3, 0xD5, 0xCF};
static const unsigned char RELOAD_HEADER[] = {0x84, 0x24, 0x00, 0x01, 0x14};

/* Return codes and messages (card-spec §3.3), as in emulator/reader/codes.py. */
static const struct {
    int code;
    const char *text;
} MESSAGES[] = {
    {-1, "卡类型不正确"}, {-2, "无卡"}, {-4, "卡无应答"}, {-11, "读卡器连接错"},
    {-12, "未建立连接"}, {-21, "内部认证失败（用户卡不合法）"}, {-13, "不支持该命令"}, {-14, "命令参数错"},
    {-15, "信息校验和出错"}, {-20, "卡识别码格式错"}, {-22, "传入数据与卡内不符"},
    {-23, "传入数据不合法"}, {-25, "内部认证与加密机不一致"}, {-31, "用户取消密码输入"},
    {-32, "密码输入操作超时"}, {-33, "输入密码长度错"}, {-34, "两次输入密码不一致"},
    {-36, "不能改为初始密码"}, {-41, "运算数据含非法字符"}, {-42, "运算数据长度错"},
    {-52, "PIN锁定"}, {-2201, "未插PSAM卡"}, {-2202, "PSAM卡不支持该算法"},
    {-2203, "PSAM卡无RKSSSE密钥"}, {0, NULL},
};

struct head {
    unsigned char algorithm;
    unsigned char card_id[16];
    char version[8];
    char number[10];
    unsigned char historical[13];
    int generation;
};

/* The card conversation; kept open only between the steps of an HSM exchange. */
static SCARDCONTEXT g_context;
static SCARDHANDLE g_card, g_psam;
static DWORD g_protocol, g_psam_protocol;
static int g_psam_open;
static int g_open;
static int g_pending;
static unsigned char g_internal_result[8];
static struct head g_head; /* what step 1 read, for the next steps */
static char g_new_pin[32]; /* the new PIN between the reload steps; cleared on release */
static pin_source_fn g_pin_source;

/* ---- errors ----------------------------------------------------------------- */

static int fail(char *out, int code, const char *detail) {
    const char *text = NULL;
    for (int i = 0; MESSAGES[i].text; i++)
        if (MESSAGES[i].code == code) text = MESSAGES[i].text;
    if (text && detail)
        snprintf(out, OUT_MAX, "%s：%s", text, detail);
    else if (text)
        snprintf(out, OUT_MAX, "%s", text);
    else
        snprintf(out, OUT_MAX, "卡片返回%04X", (unsigned)(-code));
    return code;
}

static int pin_failure(char *out, int sw) {
    if ((sw & 0xFFF0) == 0x63C0 && (sw & 0x0F)) {
        snprintf(out, OUT_MAX, "PIN校验失败，剩余次数%d", sw & 0x0F);
        return -51;
    }
    if (sw == 0x6983 || sw == 0x63C0) return fail(out, -52, NULL);
    return fail(out, -(sw & 0xFFFF), NULL);
}

/* ---- PC/SC ------------------------------------------------------------------ */

static void release(void) {
    if (g_open) SCardDisconnect(g_card, SCARD_UNPOWER_CARD);
    if (g_psam_open) SCardDisconnect(g_psam, SCARD_UNPOWER_CARD);
    g_psam_open = 0;
    if (g_context) SCardReleaseContext(g_context);
    g_open = 0;
    g_context = 0;
    g_pending = 0; /* 1: read step 1 done; 2, 3: reload steps 1, 2 done */
    memset(g_new_pin, 0, sizeof g_new_pin);
}

/* Find a reader by index or name prefix; 0 on success. */
static int pick_reader(const char *wanted, char *name, size_t size) {
    DWORD len = 0;
    if (SCardListReaders(g_context, NULL, NULL, &len) != SCARD_S_SUCCESS || len == 0) return -1;
    char *names = malloc(len);
    if (!names) return -1;
    if (SCardListReaders(g_context, NULL, names, &len) != SCARD_S_SUCCESS) {
        free(names);
        return -1;
    }
    char *end = NULL;
    long index = strtol(wanted, &end, 10);
    int by_index = *wanted && end && *end == '\0';
    int found = -1, i = 0;
    for (char *p = names; *p; p += strlen(p) + 1, i++) {
        if ((by_index && i == index) || (!by_index && strncmp(p, wanted, strlen(wanted)) == 0)) {
            snprintf(name, size, "%s", p);
            found = 0;
            break;
        }
    }
    free(names);
    return found;
}

static int connect_to(const char *env, const char *fallback, SCARDHANDLE *handle, DWORD *protocol) {
    const char *wanted = getenv(env);
    if (!wanted || !*wanted) wanted = fallback;
    if (!wanted) return -1;
    char name[256];
    if (pick_reader(wanted, name, sizeof name) != 0) return -1;
    LONG rc = SCardConnect(g_context, name, SCARD_SHARE_SHARED,
                           SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, handle, protocol);
    return rc == SCARD_S_SUCCESS ? 0 : -1;
}

static int connect_slot(const char *env, const char *fallback) {
    return connect_to(env, fallback, &g_card, &g_protocol);
}

/* Power on the card in the slots iType names (card-spec §3.1). */
static int open_card(int iType, char *out) {
    release();
    if (iType < 1 || iType > 4) return fail(out, -1, "iType应为1-4");
    if (SCardEstablishContext(SCARD_SCOPE_USER, NULL, NULL, &g_context) != SCARD_S_SUCCESS) {
        g_context = 0;
        return fail(out, -11, NULL);
    }
    const char *order[2][2] = {{"SSCARD_READER", "0"}, {"SSCARD_CL_READER", NULL}};
    int first = (iType == 2 || iType == 4) ? 1 : 0;
    int tries = (iType >= 3) ? 2 : 1;
    for (int t = 0; t < tries; t++) {
        int slot = (first + t) % 2;
        if (connect_slot(order[slot][0], order[slot][1]) == 0) {
            g_open = 1;
            return 0;
        }
    }
    return fail(out, -2, NULL);
}

/* Transmit with T=0 handling (61xx GET RESPONSE, 6Cxx re-issue); returns the SW or -1. */
static int transmit_on(SCARDHANDLE handle, DWORD protocol, const unsigned char *apdu, DWORD len,
                       unsigned char *resp, DWORD *rlen) {
    unsigned char cmd[300], buf[300];
    memcpy(cmd, apdu, len);
    DWORD total = 0;
    for (int round = 0; round < 16; round++) {
        const SCARD_IO_REQUEST *pci = protocol == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
        DWORD got = sizeof buf;
        if (SCardTransmit(handle, pci, cmd, len, NULL, buf, &got) != SCARD_S_SUCCESS || got < 2)
            return -1;
        int sw = (buf[got - 2] << 8) | buf[got - 1];
        if (total + got - 2 > 256) return -1;
        memcpy(resp + total, buf, got - 2);
        total += got - 2;
        if ((sw & 0xFF00) == 0x6100) {
            unsigned char get[] = {0x00, 0xC0, 0x00, 0x00, (unsigned char)(sw & 0xFF)};
            memcpy(cmd, get, 5);
            len = 5;
        } else if ((sw & 0xFF00) == 0x6C00 && len >= 5) {
            cmd[len - 1] = (unsigned char)(sw & 0xFF);
            total = 0;
        } else {
            *rlen = total;
            return sw;
        }
    }
    return -1;
}

static int transmit(const unsigned char *apdu, DWORD len, unsigned char *resp, DWORD *rlen) {
    return transmit_on(g_card, g_protocol, apdu, len, resp, rlen);
}

/* Send and require 9000: returns 0, or the interface code written to out. */
static int expect_ok(const unsigned char *apdu, DWORD len, unsigned char *resp, DWORD *rlen,
                     char *out) {
    int sw = transmit(apdu, len, resp, rlen);
    if (sw < 0) return fail(out, -4, NULL);
    if (sw != SW_OK) return fail(out, -(sw & 0xFFFF), NULL);
    return 0;
}

/* READ RECORD by identifier in an SFI; value (without tag/length) into val. */
static int read_record(int sfi, int tag, unsigned char *val, DWORD *vlen, char *out) {
    unsigned char apdu[] = {0x00, 0xB2, (unsigned char)tag, (unsigned char)(sfi << 3), 0x00};
    unsigned char resp[300];
    DWORD rlen = 0;
    int rc = expect_ok(apdu, sizeof apdu, resp, &rlen, out);
    if (rc) return rc;
    if (rlen < 2 || resp[0] != tag || resp[1] > rlen - 2) {
        char detail[64];
        snprintf(detail, sizeof detail, "记录%02X格式错", tag);
        return fail(out, -15, detail);
    }
    *vlen = resp[1];
    memcpy(val, resp + 2, resp[1]);
    return 0;
}

static int get_challenge(unsigned char *challenge, char *out) {
    unsigned char apdu[] = {0x00, 0x84, 0x00, 0x00, 0x08}, resp[300];
    DWORD rlen = 0;
    int rc = expect_ok(apdu, sizeof apdu, resp, &rlen, out);
    if (rc) return rc;
    if (rlen != 8) return fail(out, -15, "取随机数应答长度错");
    memcpy(challenge, resp, 8);
    return 0;
}

/* ---- encodings -------------------------------------------------------------- */

static void hex(const unsigned char *data, size_t len, char *text) {
    for (size_t i = 0; i < len; i++) sprintf(text + 2 * i, "%02X", data[i]);
    text[2 * len] = '\0';
}

static int unhex(const char *text, unsigned char *data, size_t len) {
    for (size_t i = 0; i < len; i++) {
        unsigned int byte;
        if (!isxdigit((unsigned char)text[2 * i]) || !isxdigit((unsigned char)text[2 * i + 1]))
            return -1;
        sscanf(text + 2 * i, "%2x", &byte);
        data[i] = (unsigned char)byte;
    }
    return 0;
}

/* Text of a 0x00-padded field (an, GBK); 0xFF padding is dropped too. */
static void padded_text(const unsigned char *val, DWORD len, char *text) {
    while (len > 0 && (val[len - 1] == 0x00 || val[len - 1] == 0xFF)) len--;
    memcpy(text, val, len);
    text[len] = '\0';
}

/* YYYYMMDD of a 4-byte BCD date; -1 when a nibble is not a digit. */
static int bcd_date(const unsigned char *val, DWORD len, char *text) {
    if (len != 4) return -1;
    hex(val, 4, text);
    for (int i = 0; i < 8; i++)
        if (!isdigit((unsigned char)text[i])) return -1;
    return 0;
}

static void random_bytes(unsigned char *data, size_t len) {
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(data, 1, len, f) != len) memset(data, 0x5A, len);
    if (f) fclose(f);
}

/* ---- shared steps ----------------------------------------------------------- */

static unsigned char algorithm_from_fci(const unsigned char *fci, DWORD len) {
    for (DWORD i = 0; i + 5 < len; i++)
        if (fci[i] == 0x9F && fci[i + 1] == 0x0C && fci[i + 3] == 0x86 && fci[i + 4] == 0x01)
            return fci[i + 5];
    return 0x01; /* card-spec §2.1: absent means 01 */
}

static int select_ssse(unsigned char *algorithm, char *out) {
    unsigned char apdu[32] = {0x00, 0xA4, 0x04, 0x00, sizeof SSSE_AID}, resp[300];
    memcpy(apdu + 5, SSSE_AID, sizeof SSSE_AID);
    apdu[5 + sizeof SSSE_AID] = 0x00;
    DWORD rlen = 0;
    int rc = expect_ok(apdu, 6 + sizeof SSSE_AID, resp, &rlen, out);
    if (rc) return rc;
    if (algorithm) *algorithm = algorithm_from_fci(resp, rlen);
    return 0;
}

/* Pre-authentication reads: ATR, SSSE, EF05 records 01, 03, 07 (card-spec §2.4). */
static int read_head(struct head *h, char *out) {
    unsigned char atr[64], val[256];
    DWORD atr_len = sizeof atr, vlen = 0, state, proto;
    char reader[256];
    DWORD reader_len = sizeof reader;
    if (SCardStatus(g_card, reader, &reader_len, &state, &proto, atr, &atr_len) != SCARD_S_SUCCESS)
        return fail(out, -4, NULL);
    /* 3B 6D 00 00 + 13 historical bytes when only T=0 is offered (card-spec §5). */
    int k = atr_len > 1 ? (atr[1] & 0x0F) : 0;
    if (atr_len < 4 || k != 13 || atr_len < (DWORD)(4 + 13)) return fail(out, -1, "ATR历史字节应为13");
    /* T=0 only: no TCK, the historical bytes end the ATR; otherwise the TCK follows them. */
    memcpy(h->historical, atr + atr_len - 13 - (atr_len == 17 ? 0 : 1), 13);
    int rc = select_ssse(&h->algorithm, out);
    if (rc) return rc;
    if ((rc = read_record(5, 0x01, val, &vlen, out))) return rc;
    if (vlen != 16) return fail(out, -20, NULL);
    memcpy(h->card_id, val, 16);
    for (int i = 0; i < 3; i++)
        if ((val[i] >> 4) > 9 || (val[i] & 0x0F) > 9) return fail(out, -20, NULL);
    if ((rc = read_record(5, 0x03, val, &vlen, out))) return rc;
    if (vlen > 7) vlen = 7;
    padded_text(val, vlen, h->version);
    if (h->version[0] == '2' || h->version[0] == '\0')
        h->generation = 2;
    else if (h->version[0] == '3')
        h->generation = 3;
    else
        return fail(out, -1, h->version[0] == '1' ? "第一代卡" : "未知规范版本");
    if ((rc = read_record(5, 0x07, val, &vlen, out))) return rc;
    if (vlen > 9) vlen = 9;
    padded_text(val, vlen, h->number);
    return 0;
}

/* Post-authentication reads and the 11-field string (card-spec §3.2). */
static int read_tail(const struct head *h, const char *terminal, char *out) {
    unsigned char val[256];
    DWORD vlen = 0;
    char issued[9], expiry[9], ssn[64], name[128], ext[64], card_id[33], hist[27];
    int rc;
    if ((rc = read_record(5, 0x05, val, &vlen, out))) return rc;
    if (bcd_date(val, vlen, issued)) return fail(out, -15, "发卡日期");
    if ((rc = read_record(5, 0x06, val, &vlen, out))) return rc;
    if (bcd_date(val, vlen, expiry)) return fail(out, -15, "卡有效期");
    if ((rc = read_record(6, 0x08, val, &vlen, out))) return rc;
    padded_text(val, vlen > 60 ? 60 : vlen, ssn);
    if ((rc = read_record(6, 0x09, val, &vlen, out))) return rc;
    padded_text(val, vlen > 60 ? 60 : vlen, name);
    ext[0] = '\0';
    rc = read_record(6, 0x4E, val, &vlen, out);
    if (rc == 0)
        padded_text(val, vlen > 60 ? 60 : vlen, ext);
    else if (rc != -0x6A83)
        return rc;
    hex(h->card_id, 16, card_id);
    hex(h->historical, 13, hist);
    snprintf(out, OUT_MAX, "%.6s|%s|%s|%s|%s%s|%s|%s|%s|%s|%s|%s|", card_id, ssn, h->number,
             card_id, name, ext, hist, h->version, issued, expiry, terminal,
             getenv("SSCARD_DEVICE_NUMBER") ? getenv("SSCARD_DEVICE_NUMBER") : "");
    return 0;
}

static int enter_pin(const char *prompt, char *pin, int size, char *out) {
    if (!g_pin_source) return fail(out, -13, "读卡器没有密码键盘");
    int rc = g_pin_source(prompt, pin, size);
    if (rc == 1) return fail(out, -31, NULL);
    if (rc != 0) return fail(out, -32, NULL);
    size_t len = strlen(pin);
    if (len < 4 || len > 16) return fail(out, -33, NULL);
    for (size_t i = 0; i < len; i++)
        if (!isdigit((unsigned char)pin[i])) return fail(out, -33, NULL);
    return 0;
}

/* Packed BCD, F-padded; returns the byte count. */
static int pin_bcd(const char *pin, unsigned char *bcd) {
    size_t len = strlen(pin);
    for (size_t i = 0; i < (len + 1) / 2; i++) {
        int hi = pin[2 * i] - '0';
        int lo = (2 * i + 1 < len) ? pin[2 * i + 1] - '0' : 0x0F;
        bcd[i] = (unsigned char)((hi << 4) | lo);
    }
    return (int)((len + 1) / 2);
}

/* ---- the interface ---------------------------------------------------------- */

void iSetPinSource(pin_source_fn source) { g_pin_source = source; }

/* ---- PSAM mode (card-spec §2.4; command set of card_os/apps/psam.py) ---------- */

struct psam_info {
    char terminal[13];
    unsigned char algorithms[16];
    int count;
    int has_rkssse;
};

static int psam_ok(const unsigned char *apdu, DWORD len, unsigned char *resp, DWORD *rlen,
                   char *out) {
    int sw = transmit_on(g_psam, g_psam_protocol, apdu, len, resp, rlen);
    if (sw < 0) return fail(out, -2201, "PSAM卡无应答");
    if (sw != SW_OK) return fail(out, -(sw & 0xFFFF), NULL);
    return 0;
}

/* Power on the PSAM (SSCARD_PSAM_READER), select D15600000590, read PSAM INFO. */
static int psam_open(struct psam_info *info, char *out) {
    if (connect_to("SSCARD_PSAM_READER", NULL, &g_psam, &g_psam_protocol) != 0)
        return fail(out, -2201, NULL);
    g_psam_open = 1;
    unsigned char select[] = {0x00, 0xA4, 0x04, 0x00, 0x06, 0xD1, 0x56, 0x00, 0x00, 0x05, 0x90, 0x00};
    unsigned char get_info[] = {0x80, 0xF6, 0x00, 0x00, 0x00}, resp[300];
    DWORD rlen = 0;
    if (transmit_on(g_psam, g_psam_protocol, select, sizeof select, resp, &rlen) != SW_OK)
        return fail(out, -2201, "无PSAM应用");
    int rc = psam_ok(get_info, sizeof get_info, resp, &rlen, out);
    if (rc) return rc;
    /* terminal number (6 bytes BCD) ‖ n ‖ n algorithm ids ‖ flags */
    if (rlen < 8 || rlen != (DWORD)(8 + resp[6]) || resp[6] > 16) return fail(out, -15, "PSAM信息格式错");
    hex(resp, 6, info->terminal);
    info->count = resp[6];
    memcpy(info->algorithms, resp + 7, resp[6]);
    info->has_rkssse = resp[7 + resp[6]] & 0x01;
    return 0;
}

/* DIVERSIFY for the card, then COMPUTE over factor ‖ data: the 8-byte cryptogram. */
static int psam_compute(const struct head *h, unsigned char key, const unsigned char *factor,
                        const unsigned char *data, unsigned char *result, char *out) {
    unsigned char div[21] = {0x80, 0x1A, h->algorithm, key, 0x10}, comp[22] = {0x80, 0xFA, 0x00, 0x00, 0x10};
    unsigned char resp[300];
    DWORD rlen = 0;
    char region[7];
    hex(h->card_id, 3, region);
    memcpy(div + 5, h->historical + 5, 8); /* card factor: last 8 historical bytes */
    memcpy(div + 13, region, 6);           /* city factor: ASCII region ‖ "sx" */
    div[19] = 's';
    div[20] = 'x';
    int rc = psam_ok(div, sizeof div, resp, &rlen, out);
    if (rc) return rc;
    memcpy(comp + 5, factor, 8);
    memcpy(comp + 13, data, 8);
    comp[21] = 0x00;
    if ((rc = psam_ok(comp, sizeof comp, resp, &rlen, out))) return rc;
    if (rlen != 8) return fail(out, -15, "PSAM计算结果长度错");
    memcpy(result, resp, 8);
    return 0;
}

static unsigned char key_ref(const char *env, unsigned char fallback) {
    const char *ref = getenv(env);
    return ref ? (unsigned char)strtol(ref, NULL, 16) : fallback;
}

static int authenticate_psam(const struct head *h, struct psam_info *info, char *out) {
    int rc = psam_open(info, out);
    if (rc) return rc;
    if (!memchr(info->algorithms, h->algorithm, (size_t)info->count)) return fail(out, -2202, NULL);
    if (h->generation == 3 && !info->has_rkssse) return fail(out, -2203, NULL);
    unsigned char apdu[22] = {0x00, 0x88, 0x00, key_ref("SSCARD_INTERNAL_AUTH_KEY", 0x08), 0x10};
    unsigned char resp[300], expected[8];
    DWORD rlen = 0;
    random_bytes(apdu + 5, 16);
    apdu[21] = 0x00;
    if ((rc = expect_ok(apdu, 22, resp, &rlen, out))) return rc;
    if ((rc = psam_compute(h, apdu[3], apdu + 5, apdu + 13, expected, out))) return rc;
    if (rlen != 8 || memcmp(resp, expected, 8) != 0) return fail(out, -21, NULL);
    if (h->generation == 3) {
        unsigned char chal[8], ext[21] = {0x00, 0x82, 0x00, key_ref("SSCARD_RKSSSE_KEY", 0x0A), 0x10};
        if ((rc = get_challenge(chal, out))) return rc;
        random_bytes(ext + 5, 8);
        if ((rc = psam_compute(h, ext[3], ext + 5, chal, ext + 13, out))) return rc;
        if ((rc = expect_ok(ext, 21, resp, &rlen, out))) return rc;
    }
    return 0;
}

int iReadCardBas(int iType, char *pOutInfo) {
    struct head h;
    struct psam_info info;
    int rc = open_card(iType, pOutInfo);
    if (rc == 0) rc = read_head(&h, pOutInfo);
    if (rc == 0) rc = authenticate_psam(&h, &info, pOutInfo);
    if (rc == 0) rc = read_tail(&h, info.terminal, pOutInfo);
    release();
    return rc;
}

int iReadCardBas_HSM_Step1(int iType, char *pOutInfo) {
    struct head h;
    int rc = open_card(iType, pOutInfo);
    if (rc == 0) rc = read_head(&h, pOutInfo);
    if (rc) {
        release();
        return rc;
    }
    char card_id[33], hist[27], f1[17] = "", d1[17] = "", f2[17] = "", c2[17] = "";
    if (h.generation == 3) {
        unsigned char apdu[22] = {0x00, 0x88, 0x00, 0x08, 0x10}, resp[300], chal[8];
        DWORD rlen = 0;
        const char *ref = getenv("SSCARD_INTERNAL_AUTH_KEY");
        apdu[3] = ref ? (unsigned char)strtol(ref, NULL, 16) : 0x08;
        random_bytes(apdu + 5, 16);
        apdu[21] = 0x00;
        if ((rc = expect_ok(apdu, 22, resp, &rlen, pOutInfo))) {
            release();
            return rc;
        }
        if (rlen != 8) {
            release();
            return fail(pOutInfo, -15, "内部认证应答长度错");
        }
        memcpy(g_internal_result, resp, 8);
        hex(apdu + 5, 8, f1);
        hex(apdu + 13, 8, d1);
        unsigned char factor[8];
        random_bytes(factor, 8);
        hex(factor, 8, f2);
        if ((rc = get_challenge(chal, pOutInfo))) {
            release();
            return rc;
        }
        hex(chal, 8, c2);
    }
    g_head = h;
    hex(h.card_id, 16, card_id);
    hex(h.historical, 13, hist);
    snprintf(pOutInfo, OUT_MAX, "%.6s|%s|%02X|%s|%s|%s|%s|%s|000000000000|", card_id, hist,
             h.algorithm, card_id, f1, d1, f2, c2);
    g_pending = 1;
    return 0;
}

int iReadCardBas_HSM_Step2(char *pKey, char *pOutInfo) {
    if (g_pending != 1) {
        release();
        return fail(pOutInfo, -12, "请先执行上一步");
    }
    g_pending = 0;
    int rc = 0;
    if (g_head.generation == 3) {
        const char *bar = pKey ? strchr(pKey, '|') : NULL;
        unsigned char result[8], ext[21] = {0x00, 0x82, 0x00, 0x0A, 0x10}, resp[300];
        DWORD rlen = 0;
        if (!bar || bar - pKey < 16 || strlen(bar + 1) < 32 || strlen(pKey) < 64) {
            release();
            return fail(pOutInfo, -23, "pKey格式错");
        }
        if (unhex(pKey, result, 8) || unhex(bar + 1, ext + 5, 16)) {
            release();
            return fail(pOutInfo, -41, NULL);
        }
        if (memcmp(result, g_internal_result, 8) != 0) {
            release();
            return fail(pOutInfo, -25, NULL);
        }
        const char *ref = getenv("SSCARD_RKSSSE_KEY");
        ext[3] = ref ? (unsigned char)strtol(ref, NULL, 16) : 0x0A;
        if ((rc = expect_ok(ext, 21, resp, &rlen, pOutInfo))) {
            release();
            return rc;
        }
    }
    rc = read_tail(&g_head, "000000000000", pOutInfo);
    release();
    return rc;
}

int iVerifyPIN(int iType, char *pOutInfo) {
    char pin[32];
    int rc = enter_pin("请输入密码", pin, sizeof pin, pOutInfo);
    if (rc) return rc;
    if ((rc = open_card(iType, pOutInfo)) || (rc = select_ssse(NULL, pOutInfo))) {
        release();
        return rc;
    }
    unsigned char apdu[16] = {0x00, 0x20, 0x00, 0x00}, resp[300];
    int n = pin_bcd(pin, apdu + 5);
    apdu[4] = (unsigned char)n;
    memset(pin, 0, sizeof pin);
    DWORD rlen = 0;
    int sw = transmit(apdu, 5 + n, resp, &rlen);
    release();
    if (sw < 0) return fail(pOutInfo, -4, NULL);
    if (sw != SW_OK) return pin_failure(pOutInfo, sw);
    pOutInfo[0] = '\0';
    return 0;
}

static int new_pin(char *pin, int size, char *out) {
    char again[32];
    int rc = enter_pin("请输入新密码", pin, size, out);
    if (rc == 0) rc = enter_pin("请再次输入新密码", again, sizeof again, out);
    if (rc == 0 && strcmp(pin, again) != 0) rc = fail(out, -34, NULL);
    const char *initial = getenv("SSCARD_INITIAL_PIN") ? getenv("SSCARD_INITIAL_PIN") : "123456";
    if (rc == 0 && strcmp(pin, initial) == 0) rc = fail(out, -36, NULL);
    memset(again, 0, sizeof again);
    return rc;
}

int iChangePIN(int iType, char *pOutInfo) {
    char old[32], pin[32];
    int rc = enter_pin("请输入原密码", old, sizeof old, pOutInfo);
    if (rc == 0) rc = new_pin(pin, sizeof pin, pOutInfo);
    if (rc == 0 && !(rc = open_card(iType, pOutInfo))) rc = select_ssse(NULL, pOutInfo);
    if (rc == 0) {
        /* CHANGE PIN: data = old ‖ FF ‖ new (card-spec §2.1), header 80 5E 01 00. */
        unsigned char apdu[32] = {0x80, 0x5E, 0x01, 0x00}, resp[300];
        int n = pin_bcd(old, apdu + 5);
        apdu[5 + n] = 0xFF;
        n += 1 + pin_bcd(pin, apdu + 6 + n);
        apdu[4] = (unsigned char)n;
        DWORD rlen = 0;
        int sw = transmit(apdu, 5 + n, resp, &rlen);
        if (sw < 0)
            rc = fail(pOutInfo, -4, NULL);
        else if (sw != SW_OK)
            rc = pin_failure(pOutInfo, sw);
        else
            pOutInfo[0] = '\0';
    }
    memset(old, 0, sizeof old);
    memset(pin, 0, sizeof pin);
    release();
    return rc;
}

int iReloadPIN_HSM_Step1(int iType, char *pCardInfo, char *pOutInfo) {
    struct head h;
    char pin[32];
    int rc = new_pin(pin, sizeof pin, pOutInfo);
    if (rc) return rc;
    if ((rc = open_card(iType, pOutInfo)) || (rc = read_head(&h, pOutInfo))) {
        memset(pin, 0, sizeof pin);
        release();
        return rc;
    }
    memcpy(g_new_pin, pin, sizeof pin); /* after open_card: release() clears g_new_pin */
    memset(pin, 0, sizeof pin);
    char card_id[33], hist[27], factor_hex[17], chal_hex[17], given[40] = "";
    hex(h.card_id, 16, card_id);
    const char *bar = pCardInfo ? strchr(pCardInfo, '|') : NULL;
    if (!bar) {
        release();
        return fail(pOutInfo, -23, "pCardInfo应为 卡识别码|卡号|");
    }
    if (bar - pCardInfo != 32) {
        release();
        return fail(pOutInfo, -20, NULL);
    }
    for (size_t i = 0; i < 32; i++) given[i] = (char)toupper((unsigned char)pCardInfo[i]);
    const char *number = bar + 1;
    size_t number_len = strcspn(number, "|");
    if (strcmp(given, card_id) != 0 || number_len != strlen(h.number) ||
        strncmp(number, h.number, number_len) != 0) {
        release();
        return fail(pOutInfo, -22, NULL);
    }
    unsigned char chal[8], factor[8];
    random_bytes(factor, 8);
    if ((rc = get_challenge(chal, pOutInfo))) {
        release();
        return rc;
    }
    hex(factor, 8, factor_hex);
    hex(chal, 8, chal_hex);
    hex(h.historical, 13, hist);
    snprintf(pOutInfo, OUT_MAX, "%02X|0090|%.6s|%s|%s|%s|", h.algorithm, card_id, hist, factor_hex,
             chal_hex);
    g_head = h;
    g_pending = 2;
    return 0;
}

int iReloadPIN_HSM_Step2(char *pKey, char *pOutInfo) {
    if (g_pending != 2) {
        release();
        return fail(pOutInfo, -12, "请先执行上一步");
    }
    g_pending = 0;
    unsigned char ext[21] = {0x00, 0x82, 0x00, 0x06, 0x10}, resp[300], chal[8];
    DWORD rlen = 0;
    int rc = 0;
    const char *ref = getenv("SSCARD_PIN_RELOAD_KEY");
    if (ref) ext[3] = (unsigned char)strtol(ref, NULL, 16);
    if (!pKey || strlen(pKey) != 32)
        rc = fail(pOutInfo, -42, NULL);
    else if (unhex(pKey, ext + 5, 16))
        rc = fail(pOutInfo, -41, NULL);
    if (rc == 0) rc = expect_ok(ext, 21, resp, &rlen, pOutInfo);
    if (rc == 0) rc = get_challenge(chal, pOutInfo);
    if (rc) {
        release();
        return rc;
    }
    char card_id[33], hist[27], chal_hex[17];
    hex(g_head.card_id, 16, card_id);
    hex(g_head.historical, 13, hist);
    hex(chal, 8, chal_hex);
    snprintf(pOutInfo, OUT_MAX, "%02X|0173|%.6s|%s|%s|8424000114|%s|", g_head.algorithm, card_id,
             hist, chal_hex, g_new_pin);
    g_pending = 3;
    return 0;
}

int iReloadPIN_HSM_Step3(char *pKey, char *pOutInfo) {
    if (g_pending != 3) {
        release();
        return fail(pOutInfo, -12, "请先执行上一步");
    }
    g_pending = 0;
    const char *data = pKey;
    size_t len = pKey ? strlen(pKey) : 0;
    if (len == 50 && strncasecmp(pKey, "8424000114", 10) == 0) {
        data += 10;
        len -= 10;
    }
    unsigned char apdu[25], resp[300];
    DWORD rlen = 0;
    memcpy(apdu, RELOAD_HEADER, 5);
    int rc;
    if (len != 40)
        rc = fail(pOutInfo, -42, NULL);
    else if (unhex(data, apdu + 5, 20))
        rc = fail(pOutInfo, -41, NULL);
    else if ((rc = expect_ok(apdu, 25, resp, &rlen, pOutInfo)) == 0)
        pOutInfo[0] = '\0';
    release();
    return rc;
}
