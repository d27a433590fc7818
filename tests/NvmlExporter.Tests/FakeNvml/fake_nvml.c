/*
 * A fake libnvidia-ml.so.1 for the exporter's tests.
 *
 * It exports the real NVML symbols with the real signatures and x86-64 struct layouts (written
 * from shared/reference/nvml-dcgm.md sections 1.2-1.6), so the exporter's P/Invoke path runs
 * against it for real. What the "GPUs" report comes from a state file, re-read whenever the file
 * changes (tests replace it atomically with rename), so a test can make a GPU fall off the bus,
 * reconfigure MIG or hot-unplug a device mid-run.
 *
 * Built twice by the test project: the full library, and with -DFAKE_NVML_LEGACY a library that
 * lacks the _v2/_v3 exports and the MIG calls, like an old driver.
 *
 * The file is re-read (when changed) on nvmlInit* and nvmlDeviceGetCount*.
 * State file, one record per line, key=value tokens separated by spaces ('_' in name= is a space):
 *   init=9                         nvmlInit returns this code (9 = DRIVER_NOT_LOADED)
 *   hang_count=1                   nvmlDeviceGetCount* blocks (a hung driver call) until the file says otherwise
 *   driver=550.54.15  nvml=12.550.54.15
 *   gpu uuid=GPU-.. name=NVIDIA_H100_80GB_HBM3 pci=00000000:17:00.0 util=45 memutil=20
 *       total=<bytes> used=<bytes> reserved=<bytes> temp=55 power=<mW> smclock=1980
 *       ecc_sbe=0 ecc_dbe=0 procs=2 mig=0|1 lost=0|1
 *       memclock=2619 energy=<mJ> enc=0 dec=0 replay=0 ecc_sbe_agg=0 ecc_dbe_agg=0
 *       rowremap=1|0 (1: remaps rows, Ampere and newer; 0: retires pages, Volta)
 *       remap_corr=0 remap_unc=0 remap_pending=0 remap_failure=0 retired_sbe=0 retired_dbe=0 retired_pending=0
 *       reasons=<clocks-event reasons bitmask> xids=79,48 (every XID ever raised on this GPU, oldest first;
 *       an event is delivered once for each entry past those already delivered)
 *       fail.util=3 fail.memory=.. fail.temp=.. fail.power=.. fail.clock=.. fail.ecc=.. fail.pci=..
 *       fail.energy=.. fail.encdec=.. fail.replay=.. fail.reasons=.. fail.remap=.. fail.retired=.. fail.events=..
 *       hang=1 (nvmlDeviceGetUtilizationRates on this GPU blocks, as a hung driver call does, until the file
 *       is written again without it; only the calling thread waits, other calls go on)
 *   mig parent=<gpu index> slot=<n> uuid=MIG-.. name=.._MIG_1g.10gb gi=1 ci=0 total=.. used=.. procs=1
 * GPUs are indexed in the order of their lines.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define EXPORT __attribute__((visibility("default")))

typedef int nvmlReturn_t;

enum {
    NVML_SUCCESS = 0, NVML_ERROR_UNINITIALIZED = 1, NVML_ERROR_INVALID_ARGUMENT = 2,
    NVML_ERROR_NOT_SUPPORTED = 3, NVML_ERROR_NO_PERMISSION = 4, NVML_ERROR_NOT_FOUND = 6,
    NVML_ERROR_INSUFFICIENT_SIZE = 7, NVML_ERROR_DRIVER_NOT_LOADED = 9, NVML_ERROR_TIMEOUT = 10,
    NVML_ERROR_GPU_IS_LOST = 15, NVML_ERROR_ARGUMENT_VERSION_MISMATCH = 25, NVML_ERROR_UNKNOWN = 999
};

#define MAX_GPUS 16
#define MAX_MIG 8
#define MAX_XIDS 64
#define MAX_SETS 4

typedef struct fake_device {
    int present;
    int is_mig;
    struct fake_device *parent;
    char uuid[96], name[96], pci[32];
    unsigned util_gpu, util_mem;
    unsigned long long mem_total, mem_used, mem_reserved;
    unsigned temp, power_mw, sm_clock;
    unsigned long long ecc_sbe, ecc_dbe;
    unsigned procs, gi_id, ci_id;
    int mig_mode, lost;
    unsigned mem_clock, enc, dec, replay;
    unsigned long long energy_mj, ecc_sbe_agg, ecc_dbe_agg, reasons;
    int row_remap;
    unsigned remap_corr, remap_unc, remap_pending, remap_failure, retired_sbe, retired_dbe, retired_pending;
    unsigned xids[MAX_XIDS];
    int xid_count;
    int fail_util, fail_memory, fail_temp, fail_power, fail_clock, fail_ecc, fail_pci;
    int hang;
    int fail_energy, fail_encdec, fail_replay, fail_reasons, fail_remap, fail_retired, fail_events;
} fake_device;

typedef fake_device *nvmlDevice_t;

typedef struct { unsigned gpu, memory; } nvmlUtilization_t;
typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct { unsigned version; unsigned long long total, reserved, free, used; } nvmlMemory_v2_t;
typedef struct {
    char busIdLegacy[16];
    unsigned domain, bus, device, pciDeviceId, pciSubSystemId;
    char busId[32];
} nvmlPciInfo_t;
typedef struct { unsigned pid; unsigned long long usedGpuMemory; unsigned gpuInstanceId, computeInstanceId; } nvmlProcessInfo_t;
typedef struct { unsigned pid; unsigned long long usedGpuMemory; } nvmlProcessInfo_v1_t;
typedef struct {
    nvmlDevice_t device;
    unsigned long long eventType, eventData;
    unsigned gpuInstanceId, computeInstanceId;
} nvmlEventData_t;

/* An event set: which GPUs (by index) registered which event types. */
typedef struct { int used; unsigned long long mask[MAX_GPUS]; } fake_event_set;
typedef fake_event_set *nvmlEventSet_t;
#define NVML_EVENT_TYPE_XID 0x8ull

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char state_path[4096];
static struct timespec state_mtime;
static ino_t state_ino;
static int init_count;
static int init_rc;
static int hang_count;
static char driver_version[80] = "550.54.15";
static char nvml_version[80] = "12.550.54.15";
static fake_device gpus[MAX_GPUS];
static fake_device migs[MAX_GPUS][MAX_MIG];
static int gpu_count;
static unsigned long long call_count;
static fake_event_set event_sets[MAX_SETS];
/* XIDs already delivered per GPU index. Kept across re-reads (tests append to xids=), reset when a
 * test points the library at another state file. */
static int xids_delivered[MAX_GPUS];

static unsigned long long parse_ull(const char *v) { return strtoull(v, NULL, 10); }

static void copy_str(char *dst, size_t cap, const char *src, int underscores_are_spaces) {
    size_t i = 0;
    for (; src[i] && i + 1 < cap; i++) dst[i] = (underscores_are_spaces && src[i] == '_') ? ' ' : src[i];
    dst[i] = '\0';
}

static void apply(fake_device *d, const char *k, const char *v) {
    if (!strcmp(k, "uuid")) copy_str(d->uuid, sizeof d->uuid, v, 0);
    else if (!strcmp(k, "name")) copy_str(d->name, sizeof d->name, v, 1);
    else if (!strcmp(k, "pci")) copy_str(d->pci, sizeof d->pci, v, 0);
    else if (!strcmp(k, "util")) d->util_gpu = (unsigned)parse_ull(v);
    else if (!strcmp(k, "memutil")) d->util_mem = (unsigned)parse_ull(v);
    else if (!strcmp(k, "total")) d->mem_total = parse_ull(v);
    else if (!strcmp(k, "used")) d->mem_used = parse_ull(v);
    else if (!strcmp(k, "reserved")) d->mem_reserved = parse_ull(v);
    else if (!strcmp(k, "temp")) d->temp = (unsigned)parse_ull(v);
    else if (!strcmp(k, "power")) d->power_mw = (unsigned)parse_ull(v);
    else if (!strcmp(k, "smclock")) d->sm_clock = (unsigned)parse_ull(v);
    else if (!strcmp(k, "ecc_sbe")) d->ecc_sbe = parse_ull(v);
    else if (!strcmp(k, "ecc_dbe")) d->ecc_dbe = parse_ull(v);
    else if (!strcmp(k, "procs")) d->procs = (unsigned)parse_ull(v);
    else if (!strcmp(k, "gi")) d->gi_id = (unsigned)parse_ull(v);
    else if (!strcmp(k, "ci")) d->ci_id = (unsigned)parse_ull(v);
    else if (!strcmp(k, "mig")) d->mig_mode = atoi(v);
    else if (!strcmp(k, "lost")) d->lost = atoi(v);
    else if (!strcmp(k, "fail.util")) d->fail_util = atoi(v);
    else if (!strcmp(k, "hang")) d->hang = atoi(v);
    else if (!strcmp(k, "fail.memory")) d->fail_memory = atoi(v);
    else if (!strcmp(k, "fail.temp")) d->fail_temp = atoi(v);
    else if (!strcmp(k, "fail.power")) d->fail_power = atoi(v);
    else if (!strcmp(k, "fail.clock")) d->fail_clock = atoi(v);
    else if (!strcmp(k, "fail.ecc")) d->fail_ecc = atoi(v);
    else if (!strcmp(k, "fail.pci")) d->fail_pci = atoi(v);
    else if (!strcmp(k, "memclock")) d->mem_clock = (unsigned)parse_ull(v);
    else if (!strcmp(k, "energy")) d->energy_mj = parse_ull(v);
    else if (!strcmp(k, "enc")) d->enc = (unsigned)parse_ull(v);
    else if (!strcmp(k, "dec")) d->dec = (unsigned)parse_ull(v);
    else if (!strcmp(k, "replay")) d->replay = (unsigned)parse_ull(v);
    else if (!strcmp(k, "ecc_sbe_agg")) d->ecc_sbe_agg = parse_ull(v);
    else if (!strcmp(k, "ecc_dbe_agg")) d->ecc_dbe_agg = parse_ull(v);
    else if (!strcmp(k, "reasons")) d->reasons = parse_ull(v);
    else if (!strcmp(k, "rowremap")) d->row_remap = atoi(v);
    else if (!strcmp(k, "remap_corr")) d->remap_corr = (unsigned)parse_ull(v);
    else if (!strcmp(k, "remap_unc")) d->remap_unc = (unsigned)parse_ull(v);
    else if (!strcmp(k, "remap_pending")) d->remap_pending = (unsigned)parse_ull(v);
    else if (!strcmp(k, "remap_failure")) d->remap_failure = (unsigned)parse_ull(v);
    else if (!strcmp(k, "retired_sbe")) d->retired_sbe = (unsigned)parse_ull(v);
    else if (!strcmp(k, "retired_dbe")) d->retired_dbe = (unsigned)parse_ull(v);
    else if (!strcmp(k, "retired_pending")) d->retired_pending = (unsigned)parse_ull(v);
    else if (!strcmp(k, "xids")) {
        d->xid_count = 0;
        for (const char *p = v; *p && d->xid_count < MAX_XIDS;) {
            char *end;
            unsigned long x = strtoul(p, &end, 10);
            if (end == p) break;
            d->xids[d->xid_count++] = (unsigned)x;
            p = *end == ',' ? end + 1 : end;
        }
    }
    else if (!strcmp(k, "fail.energy")) d->fail_energy = atoi(v);
    else if (!strcmp(k, "fail.encdec")) d->fail_encdec = atoi(v);
    else if (!strcmp(k, "fail.replay")) d->fail_replay = atoi(v);
    else if (!strcmp(k, "fail.reasons")) d->fail_reasons = atoi(v);
    else if (!strcmp(k, "fail.remap")) d->fail_remap = atoi(v);
    else if (!strcmp(k, "fail.retired")) d->fail_retired = atoi(v);
    else if (!strcmp(k, "fail.events")) d->fail_events = atoi(v);
}

/* Re-reads the state file when it changed. Device structs are rewritten in place, so handles stay
 * valid pointers, as real NVML handles do (MIG handles are "invalidated and reused"). */
static void reload_if_changed(void) {
    if (!state_path[0]) {
        const char *env = getenv("FAKE_NVML_STATE");
        if (!env) return;
        copy_str(state_path, sizeof state_path, env, 0);
    }
    struct stat st;
    if (stat(state_path, &st) != 0) return;
    if (st.st_ino == state_ino && st.st_mtim.tv_sec == state_mtime.tv_sec && st.st_mtim.tv_nsec == state_mtime.tv_nsec) return;
    FILE *f = fopen(state_path, "r");
    if (!f) return;
    state_ino = st.st_ino;
    state_mtime = st.st_mtim;
    memset(gpus, 0, sizeof gpus);
    memset(migs, 0, sizeof migs);
    gpu_count = 0;
    init_rc = 0;
    hang_count = 0;
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        char *save = NULL;
        char *tok = strtok_r(line, " \t\r\n", &save);
        if (!tok || tok[0] == '#') continue;
        fake_device *target = NULL;
        int parent = -1, slot = -1;
        fake_device scratch;
        memset(&scratch, 0, sizeof scratch);
        int kind = 0; /* 0 = global, 1 = gpu, 2 = mig */
        if (!strcmp(tok, "gpu")) { kind = 1; tok = strtok_r(NULL, " \t\r\n", &save); }
        else if (!strcmp(tok, "mig")) { kind = 2; tok = strtok_r(NULL, " \t\r\n", &save); }
        for (; tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
            char *eq = strchr(tok, '=');
            if (!eq) continue;
            *eq = '\0';
            const char *k = tok, *v = eq + 1;
            if (kind == 0) {
                if (!strcmp(k, "init")) init_rc = atoi(v);
                else if (!strcmp(k, "hang_count")) hang_count = atoi(v);
                else if (!strcmp(k, "driver")) copy_str(driver_version, sizeof driver_version, v, 0);
                else if (!strcmp(k, "nvml")) copy_str(nvml_version, sizeof nvml_version, v, 0);
            } else if (kind == 2 && !strcmp(k, "parent")) parent = atoi(v);
            else if (kind == 2 && !strcmp(k, "slot")) slot = atoi(v);
            else apply(&scratch, k, v);
        }
        if (kind == 1 && gpu_count < MAX_GPUS) target = &gpus[gpu_count++];
        else if (kind == 2 && parent >= 0 && parent < MAX_GPUS && slot >= 0 && slot < MAX_MIG) {
            target = &migs[parent][slot];
            scratch.is_mig = 1;
            scratch.parent = &gpus[parent];
        }
        if (target) { *target = scratch; target->present = 1; }
    }
    fclose(f);
}

/* The state file is checked on init and device count, which a sampler calls every cycle; other
 * calls see the state as of then, so a benchmark does not pay a stat() per call. */
#define ENTER() pthread_mutex_lock(&lock); call_count++
#define ENTER_RELOAD() ENTER(); reload_if_changed()
#define LEAVE(rc) do { nvmlReturn_t r__ = (rc); pthread_mutex_unlock(&lock); return r__; } while (0)
#define CHECK_INIT() if (init_count <= 0) LEAVE(NVML_ERROR_UNINITIALIZED)
#define CHECK_DEV(d) if (!(d) || !(d)->present) LEAVE(NVML_ERROR_INVALID_ARGUMENT); \
    if ((d)->lost || ((d)->is_mig && (d)->parent->lost)) LEAVE(NVML_ERROR_GPU_IS_LOST)

/* Blocks the calling thread while *flag is set, as a hung driver call does: the library lock is let go while
 * waiting, so other threads' calls go on, and the state file is re-read so a test can end the hang. */
static void wait_while_hung(int *flag) {
    while (*flag) {
        pthread_mutex_unlock(&lock);
        struct timespec pause = { 0, 20 * 1000000L };
        nanosleep(&pause, NULL);
        pthread_mutex_lock(&lock);
        reload_if_changed();
    }
}

/* ---- test hooks (not NVML) ---- */
EXPORT void fakeNvmlSetStateFile(const char *path) {
    pthread_mutex_lock(&lock);
    copy_str(state_path, sizeof state_path, path, 0);
    state_ino = 0;
    memset(&state_mtime, 0, sizeof state_mtime);
    memset(xids_delivered, 0, sizeof xids_delivered);
    memset(event_sets, 0, sizeof event_sets);
    pthread_mutex_unlock(&lock);
}
EXPORT unsigned long long fakeNvmlCallCount(void) { return __atomic_load_n(&call_count, __ATOMIC_RELAXED); }

/* ---- library ---- */
static nvmlReturn_t do_init(void) {
    ENTER_RELOAD();
    if (init_rc != 0) LEAVE(init_rc);
    init_count++;
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlInit(void) { return do_init(); }
#ifndef FAKE_NVML_LEGACY
EXPORT nvmlReturn_t nvmlInit_v2(void) { return do_init(); }
#endif

EXPORT nvmlReturn_t nvmlShutdown(void) {
    ENTER();
    CHECK_INIT();
    init_count--;
    LEAVE(NVML_SUCCESS);
}

EXPORT const char *nvmlErrorString(nvmlReturn_t r) {
    switch (r) {
    case 0: return "Success";
    case 1: return "Uninitialized";
    case 2: return "Invalid Argument";
    case 3: return "Not Supported";
    case 4: return "Insufficient Permissions";
    case 6: return "Not Found";
    case 7: return "Insufficient Size";
    case 9: return "Driver Not Loaded";
    case 10: return "Timeout";
    case 15: return "GPU is lost";
    case 25: return "Argument version mismatch";
    default: return "Unknown Error";
    }
}

static nvmlReturn_t put_str(char *dst, unsigned len, const char *src) {
    if (!dst) return NVML_ERROR_INVALID_ARGUMENT;
    if (strlen(src) + 1 > len) return NVML_ERROR_INSUFFICIENT_SIZE;
    strcpy(dst, src);
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlSystemGetDriverVersion(char *v, unsigned len) { ENTER(); CHECK_INIT(); LEAVE(put_str(v, len, driver_version)); }
EXPORT nvmlReturn_t nvmlSystemGetNVMLVersion(char *v, unsigned len) { ENTER(); CHECK_INIT(); LEAVE(put_str(v, len, nvml_version)); }

static nvmlReturn_t do_count(unsigned *count) {
    ENTER_RELOAD();
    CHECK_INIT();
    wait_while_hung(&hang_count);
    if (!count) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    *count = (unsigned)gpu_count;
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetCount(unsigned *count) { return do_count(count); }
#ifndef FAKE_NVML_LEGACY
EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned *count) { return do_count(count); }
#endif

static nvmlReturn_t do_handle(unsigned index, nvmlDevice_t *device) {
    ENTER();
    CHECK_INIT();
    if (!device || index >= (unsigned)gpu_count) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (gpus[index].lost) LEAVE(NVML_ERROR_GPU_IS_LOST);
    *device = &gpus[index];
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex(unsigned index, nvmlDevice_t *device) { return do_handle(index, device); }
#ifndef FAKE_NVML_LEGACY
EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned index, nvmlDevice_t *device) { return do_handle(index, device); }
#endif

EXPORT nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t d, char *uuid, unsigned len) { ENTER(); CHECK_INIT(); CHECK_DEV(d); LEAVE(put_str(uuid, len, d->uuid)); }
EXPORT nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t d, char *name, unsigned len) { ENTER(); CHECK_INIT(); CHECK_DEV(d); LEAVE(put_str(name, len, d->name)); }

#ifndef FAKE_NVML_LEGACY
EXPORT nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t d, nvmlPciInfo_t *pci) {
    ENTER(); CHECK_INIT(); CHECK_DEV(d);
    if (d->fail_pci) LEAVE(d->fail_pci);
    if (!pci) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    memset(pci, 0, sizeof *pci);
    copy_str(pci->busId, sizeof pci->busId, d->pci, 0);
    /* The legacy field holds the short form "0000:17:00.0"; fill it with garbage-free text. */
    copy_str(pci->busIdLegacy, sizeof pci->busIdLegacy, d->pci + (strlen(d->pci) > 12 ? strlen(d->pci) - 12 : 0), 0);
    pci->domain = 0; pci->bus = 0x17; pci->device = 0; pci->pciDeviceId = 0x233010de;
    LEAVE(NVML_SUCCESS);
}
#endif

EXPORT nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t d, nvmlUtilization_t *u) {
    ENTER(); CHECK_INIT(); CHECK_DEV(d);
    if (!u) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    /* Utilization is blind on MIG: MIG handles and MIG-enabled parents answer NOT_SUPPORTED. */
    if (d->is_mig || d->mig_mode) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    wait_while_hung(&d->hang);
    if (d->fail_util) LEAVE(d->fail_util);
    u->gpu = d->util_gpu; u->memory = d->util_mem;
    LEAVE(NVML_SUCCESS);
}

static nvmlReturn_t memory_rc(nvmlDevice_t d) {
    if (d->fail_memory) return d->fail_memory;
    /* A MIG-enabled parent reports the aggregate only with privileges. */
    if (!d->is_mig && d->mig_mode) return NVML_ERROR_NO_PERMISSION;
    return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t d, nvmlMemory_t *m) {
    ENTER(); CHECK_INIT(); CHECK_DEV(d);
    if (!m) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    nvmlReturn_t rc = memory_rc(d);
    if (rc) LEAVE(rc);
    /* Since R510, v1 "used" includes reserved memory. */
    m->total = d->mem_total; m->used = d->mem_used + d->mem_reserved; m->free = d->mem_total - m->used;
    LEAVE(NVML_SUCCESS);
}

#ifndef FAKE_NVML_LEGACY
EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t d, nvmlMemory_v2_t *m) {
    ENTER(); CHECK_INIT(); CHECK_DEV(d);
    if (!m) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (m->version != (unsigned)(sizeof(nvmlMemory_v2_t) | (2u << 24))) LEAVE(NVML_ERROR_ARGUMENT_VERSION_MISMATCH);
    nvmlReturn_t rc = memory_rc(d);
    if (rc) LEAVE(rc);
    m->total = d->mem_total; m->reserved = d->mem_reserved; m->used = d->mem_used;
    m->free = d->mem_total - d->mem_used - d->mem_reserved;
    LEAVE(NVML_SUCCESS);
}
#endif

EXPORT nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t d, int sensor, unsigned *t) {
    ENTER(); CHECK_INIT(); CHECK_DEV(d);
    if (!t || sensor != 0) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (d->is_mig) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    if (d->fail_temp) LEAVE(d->fail_temp);
    *t = d->temp;
    LEAVE(NVML_SUCCESS);
}

EXPORT nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned *mw) {
    ENTER(); CHECK_INIT(); CHECK_DEV(d);
    if (!mw) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (d->is_mig) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    if (d->fail_power) LEAVE(d->fail_power);
    *mw = d->power_mw;
    LEAVE(NVML_SUCCESS);
}

EXPORT nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t d, int type, unsigned *mhz) {
    ENTER(); CHECK_INIT(); CHECK_DEV(d);
    if (!mhz || type < 0 || type > 3) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (d->is_mig) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    if (d->fail_clock) LEAVE(d->fail_clock);
    *mhz = type == 1 ? d->sm_clock : type == 2 ? d->mem_clock : 0;
    LEAVE(NVML_SUCCESS);
}

EXPORT nvmlReturn_t nvmlDeviceGetTotalEccErrors(nvmlDevice_t d, int errorType, int counterType, unsigned long long *count) {
    ENTER(); CHECK_INIT(); CHECK_DEV(d);
    if (!count || errorType < 0 || errorType > 1 || counterType < 0 || counterType > 1) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (d->is_mig) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    if (d->fail_ecc) LEAVE(d->fail_ecc);
    /* counterType 0 is volatile (since driver load), 1 aggregate (lifetime of the board). */
    if (counterType == 0) *count = errorType == 0 ? d->ecc_sbe : d->ecc_dbe;
    else *count = errorType == 0 ? d->ecc_sbe_agg : d->ecc_dbe_agg;
    LEAVE(NVML_SUCCESS);
}

static nvmlReturn_t processes(nvmlDevice_t d, unsigned *count, void *infos, int v1) {
    ENTER(); CHECK_INIT(); CHECK_DEV(d);
    if (!count) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    unsigned have = d->procs;
    if (*count < have) { *count = have; LEAVE(have ? NVML_ERROR_INSUFFICIENT_SIZE : NVML_SUCCESS); }
    for (unsigned i = 0; i < have; i++) {
        if (v1) {
            nvmlProcessInfo_v1_t *p = &((nvmlProcessInfo_v1_t *)infos)[i];
            p->pid = 1000 + i; p->usedGpuMemory = 1ull << 30;
        } else {
            nvmlProcessInfo_t *p = &((nvmlProcessInfo_t *)infos)[i];
            p->pid = 1000 + i; p->usedGpuMemory = 1ull << 30;
            p->gpuInstanceId = d->is_mig ? d->gi_id : 0xFFFFFFFFu;
            p->computeInstanceId = d->is_mig ? d->ci_id : 0xFFFFFFFFu;
        }
    }
    *count = have;
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses(nvmlDevice_t d, unsigned *count, nvmlProcessInfo_v1_t *infos) { return processes(d, count, infos, 1); }
#ifndef FAKE_NVML_LEGACY
EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t d, unsigned *count, nvmlProcessInfo_t *infos) { return processes(d, count, infos, 0); }

/* ---- MIG (absent from the legacy library, like a pre-Ampere driver) ---- */
EXPORT nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t d, unsigned *current, unsigned *pending) {
    ENTER(); CHECK_INIT(); CHECK_DEV(d);
    if (!current || !pending) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (d->is_mig) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    *current = *pending = (unsigned)d->mig_mode;
    LEAVE(NVML_SUCCESS);
}

EXPORT nvmlReturn_t nvmlDeviceGetMaxMigDeviceCount(nvmlDevice_t d, unsigned *count) {
    ENTER(); CHECK_INIT(); CHECK_DEV(d);
    if (!count) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    *count = (!d->is_mig && d->mig_mode) ? MAX_MIG : 0;
    LEAVE(NVML_SUCCESS);
}

EXPORT nvmlReturn_t nvmlDeviceGetMigDeviceHandleByIndex(nvmlDevice_t d, unsigned index, nvmlDevice_t *mig) {
    ENTER(); CHECK_INIT(); CHECK_DEV(d);
    if (!mig || d->is_mig || index >= MAX_MIG) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (!d->mig_mode) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    fake_device *m = &migs[d - gpus][index];
    /* Sparse: empty slots answer NOT_FOUND. */
    if (!m->present) LEAVE(NVML_ERROR_NOT_FOUND);
    *mig = m;
    LEAVE(NVML_SUCCESS);
}

EXPORT nvmlReturn_t nvmlDeviceIsMigDeviceHandle(nvmlDevice_t d, unsigned *isMig) {
    ENTER(); CHECK_INIT(); CHECK_DEV(d);
    if (!isMig) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    *isMig = (unsigned)d->is_mig;
    LEAVE(NVML_SUCCESS);
}

EXPORT nvmlReturn_t nvmlDeviceGetGpuInstanceId(nvmlDevice_t d, unsigned *id) {
    ENTER(); CHECK_INIT(); CHECK_DEV(d);
    if (!id) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (!d->is_mig) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    *id = d->gi_id;
    LEAVE(NVML_SUCCESS);
}

EXPORT nvmlReturn_t nvmlDeviceGetComputeInstanceId(nvmlDevice_t d, unsigned *id) {
    ENTER(); CHECK_INIT(); CHECK_DEV(d);
    if (!id) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (!d->is_mig) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    *id = d->ci_id;
    LEAVE(NVML_SUCCESS);
}
#endif

/* ---- energy, encoder/decoder, PCIe replays, clocks-event reasons, ECC pages and rows ---- */
EXPORT nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t d, unsigned long long *mj) {
    ENTER(); CHECK_INIT(); CHECK_DEV(d);
    if (!mj) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (d->is_mig) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    if (d->fail_energy) LEAVE(d->fail_energy);
    *mj = d->energy_mj;
    LEAVE(NVML_SUCCESS);
}

static nvmlReturn_t codec(nvmlDevice_t d, unsigned *util, unsigned *period, unsigned value) {
    ENTER(); CHECK_INIT(); CHECK_DEV(d);
    if (!util || !period) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    /* Like the other utilization calls: not on MIG. */
    if (d->is_mig || d->mig_mode) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    if (d->fail_encdec) LEAVE(d->fail_encdec);
    *util = value; *period = 167000;
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetEncoderUtilization(nvmlDevice_t d, unsigned *util, unsigned *period) { return codec(d, util, period, d ? d->enc : 0); }
EXPORT nvmlReturn_t nvmlDeviceGetDecoderUtilization(nvmlDevice_t d, unsigned *util, unsigned *period) { return codec(d, util, period, d ? d->dec : 0); }

EXPORT nvmlReturn_t nvmlDeviceGetPcieReplayCounter(nvmlDevice_t d, unsigned *value) {
    ENTER(); CHECK_INIT(); CHECK_DEV(d);
    if (!value) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (d->is_mig) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    if (d->fail_replay) LEAVE(d->fail_replay);
    *value = d->replay;
    LEAVE(NVML_SUCCESS);
}

static nvmlReturn_t reasons(nvmlDevice_t d, unsigned long long *mask) {
    ENTER(); CHECK_INIT(); CHECK_DEV(d);
    if (!mask) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (d->is_mig) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    if (d->fail_reasons) LEAVE(d->fail_reasons);
    *mask = d->reasons;
    LEAVE(NVML_SUCCESS);
}
/* The old name exists in every library; the new one (driver 535 and later) only in the full one. */
EXPORT nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t d, unsigned long long *mask) { return reasons(d, mask); }
#ifndef FAKE_NVML_LEGACY
EXPORT nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t d, unsigned long long *mask) { return reasons(d, mask); }
#endif

EXPORT nvmlReturn_t nvmlDeviceGetRetiredPages(nvmlDevice_t d, int cause, unsigned *count, unsigned long long *addresses) {
    ENTER(); CHECK_INIT(); CHECK_DEV(d);
    if (!count || cause < 0 || cause > 1) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    /* Boards that remap rows (Ampere and newer) do not retire pages. */
    if (d->is_mig || d->row_remap) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    if (d->fail_retired) LEAVE(d->fail_retired);
    unsigned have = cause == 0 ? d->retired_sbe : d->retired_dbe;
    if (*count < have) { *count = have; LEAVE(NVML_ERROR_INSUFFICIENT_SIZE); }
    for (unsigned i = 0; i < have && addresses; i++) addresses[i] = 0x1000ull * (i + 1);
    *count = have;
    LEAVE(NVML_SUCCESS);
}

EXPORT nvmlReturn_t nvmlDeviceGetRetiredPagesPendingStatus(nvmlDevice_t d, int *pending) {
    ENTER(); CHECK_INIT(); CHECK_DEV(d);
    if (!pending) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (d->is_mig || d->row_remap) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    if (d->fail_retired) LEAVE(d->fail_retired);
    *pending = d->retired_pending ? 1 : 0;
    LEAVE(NVML_SUCCESS);
}

#ifndef FAKE_NVML_LEGACY
EXPORT nvmlReturn_t nvmlDeviceGetRemappedRows(nvmlDevice_t d, unsigned *corr, unsigned *unc, unsigned *pending, unsigned *failure) {
    ENTER(); CHECK_INIT(); CHECK_DEV(d);
    if (!corr || !unc || !pending || !failure) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    /* Not supported on boards that retire pages, nor with MIG instances active. */
    if (d->is_mig || !d->row_remap || d->mig_mode) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    if (d->fail_remap) LEAVE(d->fail_remap);
    *corr = d->remap_corr; *unc = d->remap_unc; *pending = d->remap_pending; *failure = d->remap_failure;
    LEAVE(NVML_SUCCESS);
}

/* ---- events (XID), absent from the legacy library ---- */
EXPORT nvmlReturn_t nvmlEventSetCreate(nvmlEventSet_t *set) {
    ENTER(); CHECK_INIT();
    if (!set) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    for (int i = 0; i < MAX_SETS; i++) {
        if (!event_sets[i].used) {
            memset(&event_sets[i], 0, sizeof event_sets[i]);
            event_sets[i].used = 1;
            *set = &event_sets[i];
            LEAVE(NVML_SUCCESS);
        }
    }
    LEAVE(NVML_ERROR_UNKNOWN);
}

EXPORT nvmlReturn_t nvmlDeviceRegisterEvents(nvmlDevice_t d, unsigned long long types, nvmlEventSet_t set) {
    ENTER(); CHECK_INIT(); CHECK_DEV(d);
    if (!set || !set->used) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    /* Per-instance registration is not supported: events are registered on the parent. */
    if (d->is_mig) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    if (d->fail_events) LEAVE(d->fail_events);
    set->mask[d - gpus] |= types;
    LEAVE(NVML_SUCCESS);
}

EXPORT nvmlReturn_t nvmlEventSetFree(nvmlEventSet_t set) {
    ENTER();
    if (!set || !set->used) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    set->used = 0;
    LEAVE(NVML_SUCCESS);
}

/* Delivers the next undelivered XID of a registered GPU, or TIMEOUT after timeoutms. The state file is
 * re-read while waiting, so a test raises an XID by appending to a GPU's xids=. */
EXPORT nvmlReturn_t nvmlEventSetWait_v2(nvmlEventSet_t set, nvmlEventData_t *data, unsigned timeoutms) {
    unsigned waited = 0;
    for (;;) {
        ENTER_RELOAD();
        CHECK_INIT();
        if (!set || !set->used || !data) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
        for (int g = 0; g < gpu_count; g++) {
            if (!(set->mask[g] & NVML_EVENT_TYPE_XID) || !gpus[g].present) continue;
            if (xids_delivered[g] > gpus[g].xid_count) xids_delivered[g] = gpus[g].xid_count;
            if (xids_delivered[g] < gpus[g].xid_count) {
                data->device = &gpus[g];
                data->eventType = NVML_EVENT_TYPE_XID;
                data->eventData = gpus[g].xids[xids_delivered[g]++];
                data->gpuInstanceId = data->computeInstanceId = 0xFFFFFFFFu;
                LEAVE(NVML_SUCCESS);
            }
        }
        pthread_mutex_unlock(&lock);
        if (waited >= timeoutms) return NVML_ERROR_TIMEOUT;
        unsigned step = timeoutms - waited < 20 ? timeoutms - waited : 20;
        struct timespec pause = { 0, (long)step * 1000000L };
        nanosleep(&pause, NULL);
        waited += step;
    }
}
#endif
