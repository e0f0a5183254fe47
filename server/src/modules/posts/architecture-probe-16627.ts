import 'telegraf';
import 'telegraf/types';
import 'telegram';
import 'telegram/tl';
import 'ioredis';
import 'bullmq';
import 'pg';
import 'busboy';
