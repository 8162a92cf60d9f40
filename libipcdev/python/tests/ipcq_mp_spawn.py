import ipcq_mp_common

ipcq_mp_common.install(globals(), 'spawn')
