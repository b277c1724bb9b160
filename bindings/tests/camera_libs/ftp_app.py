# A camera script that shares its files over FTP for one session.
import sys
import miniftpd

miniftpd.serve(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
print("ftp session over")
