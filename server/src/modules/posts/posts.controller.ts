import { Controller, Delete, Get, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPayloadTooLargeResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { HttpReply, HttpRequest } from '../../common/http/http-types';
import { PageQueryDto } from '../../common/http/pagination';
import { AuthUser, CurrentUser } from '../auth/auth-user';
import { ChannelOwnershipGuard } from '../channels/channel-ownership.guard';
import { CreatePostDto, PostDto, PostPageDto } from './dtos/post.dto';
import { readJsonOrMultipart } from './multipart';
import { parseCreatePost, PostsService } from './posts.service';

@ApiTags('posts')
@ApiBearerAuth('bearer')
@ApiExtraModels(CreatePostDto)
@Controller('api')
export class PostsController {
  constructor(private readonly posts: PostsService) {}

  @Post('channels/:id/posts')
  @UseGuards(ChannelOwnershipGuard)
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiBody({
    description:
      'JSON, or multipart/form-data with the same fields plus one file part named "photo" or "document" (up to 50 MB).',
    schema: { $ref: getSchemaPath(CreatePostDto) },
  })
  @ApiCreatedResponse({
    type: PostDto,
    description: 'Created; 200 with the same post when the idempotency_key was used before.',
  })
  @ApiNotFoundResponse({ description: "NOT_FOUND (also for another tenant's channel)" })
  @ApiPayloadTooLargeResponse({
    description:
      "PAYLOAD_TOO_LARGE (a file over 50 MB or a field over 64 KB), or MEDIA_QUOTA_EXCEEDED (the tenant's media waiting to be sent would pass POST_MEDIA_QUOTA_MB)",
  })
  async create(
    @CurrentUser() user: AuthUser,
    @Param('id') channelId: string,
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpReply,
  ): Promise<PostDto> {
    const form = await readJsonOrMultipart(req, ['photo', 'document']);
    const dto = await parseCreatePost(form.fields);
    const { post, created } = await this.posts.create(user.id, channelId, dto, form.file);
    res.code(created ? 201 : 200);
    return post;
  }

  @Get('channels/:id/posts')
  @UseGuards(ChannelOwnershipGuard)
  @ApiOkResponse({ type: PostPageDto })
  list(@CurrentUser() user: AuthUser, @Param('id') channelId: string, @Query() q: PageQueryDto): Promise<PostPageDto> {
    return this.posts.list(user.id, channelId, q);
  }

  @Get('posts/:id')
  @ApiOkResponse({ type: PostDto })
  @ApiNotFoundResponse({ description: "NOT_FOUND (also for another tenant's post)" })
  get(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<PostDto> {
    return this.posts.get(user.id, id);
  }

  @Delete('posts/:id')
  @ApiOkResponse({ type: PostDto, description: 'The cancelled post.' })
  @ApiNotFoundResponse({ description: "NOT_FOUND (also for another tenant's post)" })
  cancel(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<PostDto> {
    return this.posts.cancel(user.id, id);
  }
}
