import { Controller, Get, Param, Post, Query, Req, Res, StreamableFile, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { HttpReply, HttpRequest } from '../../common/http/http-types';
import { PageQueryDto } from '../../common/http/pagination';
import { AuthUser, CurrentUser } from '../auth/auth-user';
import { ChannelOwnershipGuard } from '../channels/channel-ownership.guard';
import { readMultipart } from '../posts/multipart';
import { FileDto, FilePageDto } from './file.dto';
import { FilesService } from './files.service';

@ApiTags('files')
@ApiBearerAuth('bearer')
@Controller('api')
export class FilesController {
  constructor(private readonly files: FilesService) {}

  @Post('channels/:id/files')
  @UseGuards(ChannelOwnershipGuard)
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } }, required: ['file'] },
  })
  @ApiCreatedResponse({ type: FileDto })
  @ApiNotFoundResponse({ description: "NOT_FOUND (also for another tenant's channel)" })
  async upload(
    @CurrentUser() user: AuthUser,
    @Param('id') channelId: string,
    @Req() req: HttpRequest,
  ): Promise<FileDto> {
    const form = await readMultipart(req, ['file']);
    return this.files.upload(user.id, channelId, form.file);
  }

  @Get('files')
  @ApiOkResponse({ type: FilePageDto })
  list(@CurrentUser() user: AuthUser, @Query() q: PageQueryDto): Promise<FilePageDto> {
    return this.files.list(user.id, q);
  }

  @Get('files/:id/download')
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The file, streamed from Telegram.' })
  @ApiNotFoundResponse({ description: "NOT_FOUND (also for another tenant's file)" })
  async download(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Res({ passthrough: true }) res: HttpReply,
  ): Promise<StreamableFile> {
    const { file, stream } = await this.files.download(user.id, id);
    res.headers({
      'content-type': file.mime,
      'content-length': String(file.size),
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`,
    });
    return new StreamableFile(stream);
  }
}
