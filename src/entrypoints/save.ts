import { run } from '../orchestration/run';

void run('save');
